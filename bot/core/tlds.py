"""Top-level domains that make a bare "name.tld" a link on Slack and Teams (no scheme needed).

Every two-letter label counts (the country codes, e.g. `.ly`, `.io`, `.co`), plus the generic TLDs common in
links and phishing. A false positive only shows "file[.]py" in untrusted text; a miss would be a live link.
"""

from __future__ import annotations

from string import ascii_lowercase

_GENERIC = """
com net org edu gov mil int info biz name pro aero coop museum mobi jobs travel tel asia cat post xxx arpa
app dev page ai xyz online site top club shop store tech website space live life world today news blog
cloud email link click download zip mov win bid loan work party review trade date racing stream science men
gdn icu buzz fun host press digital agency solutions services support help login account secure bank pay
money finance cash credit best one vip ltd inc llc group company business global network systems codes
tools software academy media social chat game games run wtf lol ninja rocks guru expert center city
google amazon apple microsoft azure office windows gmail youtube meet zoom web wiki design art studio
photo photos pics video tube porn sex dating love cam casino bet poker play wallet crypto exchange market
""".split()  # noqa: SIM905 - a word list reads best as words

TLDS = frozenset(_GENERIC) | frozenset(a + b for a in ascii_lowercase for b in ascii_lowercase)
