"""The TLDs that make "name.tld" a live link: every two-letter code, common generic ones,
not file extensions."""

from __future__ import annotations

from bot.core.tlds import TLDS


def test_country_codes_and_common_generic_tlds_are_in():
    assert {"ly", "io", "co", "de", "zz"} <= TLDS  # all 676 two-letter labels, assigned or not
    assert {"com", "zip", "mov", "app", "bank", "login"} <= TLDS
    assert "py" in TLDS  # a known false positive: "file[.]py" is still readable, a miss would be a link


def test_longer_file_extensions_are_out_so_they_stay_readable():
    assert not {"txt", "json", "yml", "yaml", "csv", "log", "html"} & TLDS
    assert all(t == t.lower() and t.isalnum() for t in TLDS)
