"""docs/labeling-guide.md names every label the code knows, numbers its edge-case rules 1 to 14,
and follows ../shared/labeling-guide.md: the sha256 it records is that file's, when the file
is beside the repository (it is not in a clean clone, where the recorded hash must still be
well formed)."""

from __future__ import annotations

import hashlib
import re
from typing import get_args

from pipeline.config import PROJECT_ROOT
from pipeline.contracts import DIMENSIONS
from pipeline.contracts.review_label import Gap

GUIDE = PROJECT_ROOT / "docs" / "labeling-guide.md"
SHARED = PROJECT_ROOT.parent / "shared" / "labeling-guide.md"
FOLLOWS = re.compile(r"^Follows: \.\./shared/labeling-guide\.md, sha256 (\S+)[ \t]*$", re.M)
EDGE_CASES = re.compile(r"^## Edge cases\b[^\n]*\n(.*?)(?=^## |\Z)", re.M | re.S)
RULE = re.compile(r"^(\d+)\. ", re.M)


def edge_case_rules(text: str) -> list[int]:
    """The numbers of the rules listed under the `## Edge cases` heading, in order."""
    section = EDGE_CASES.search(text)
    assert section, "no '## Edge cases' section"
    return [int(n) for n in RULE.findall(section.group(1))]


def recorded_hash(text: str) -> str:
    found = FOLLOWS.search(text)
    assert found, "no 'Follows: ../shared/labeling-guide.md, sha256 <hex>' line"
    return found.group(1)


def test_the_guide_names_every_gap_and_dimension_label() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    labels = [*get_args(Gap), *DIMENSIONS, "null"]
    assert len(labels) == 12
    missing = [label for label in labels if f"`{label}`" not in text]
    assert not missing, f"docs/labeling-guide.md does not name {missing}"


def test_the_guide_numbers_its_edge_case_rules_1_to_14() -> None:
    assert edge_case_rules(GUIDE.read_text(encoding="utf-8")) == list(range(1, 15))


def test_the_guide_follows_the_shared_guide() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    recorded = recorded_hash(text)
    assert re.fullmatch(r"[0-9a-f]{64}", recorded), f"not a sha256: {recorded!r}"
    if not SHARED.is_file():  # a clean clone: nothing beside the repository to compare with
        return
    shared = SHARED.read_bytes()
    actual = hashlib.sha256(shared).hexdigest()
    assert actual == recorded, (
        f"{SHARED} changed (sha256 {actual}): bring docs/labeling-guide.md in step with it, "
        "then record the new hash in its Follows line"
    )
    ours, theirs = edge_case_rules(text), edge_case_rules(shared.decode("utf-8"))
    assert len(ours) == len(theirs), f"edge-case rules: ours {ours}, shared {theirs}"
