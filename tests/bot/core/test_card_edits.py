"""The arguments' version a card or a batch list carries back (bot/core/card_edits.py)."""

from __future__ import annotations

import pytest

from bot.core.card_edits import unversioned, versioned, versions_of


def test_a_batch_selection_reads_each_items_version_and_a_bare_id_as_unknown():
    assert unversioned(versioned("M-ABC234-s5", 2)) == ("M-ABC234-s5", 2)
    ticked = ["M-ABC234-s5#v2", "M-DEF567-s1", "M-XYZ-s3#vx"]
    assert versions_of(ticked) == {"M-ABC234-s5": 2, "M-DEF567-s1": None, "M-XYZ-s3#vx": None}


@pytest.mark.parametrize("values", [[5], [None], ["two words#v1"], [{"$gt": 1}], ["x" * 513]])
def test_a_selection_that_is_not_ids_is_refused(values):
    with pytest.raises(ValueError, match="malformed selection"):
        versions_of(values)
