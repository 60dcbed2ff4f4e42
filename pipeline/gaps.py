"""The domain's vocabulary, spelled here and nowhere else in the Python code: the gaps model of
service quality (the gap labels, their names, the action each points to) and the SERVQUAL
dimensions.

It imports nothing from the rest of the package, so every layer (contracts, classifier,
warehouse queries, panels, reports, demo, bench) can import it. Renaming a label means
editing it here, in the labeled data under models/ and in the warehouse's SQL under infra/.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

# The labels a text can carry, in the order of reports and confusion matrices.
Gap = Literal[
    "gap1_knowledge",
    "gap2_standards",
    "gap3_delivery",
    "gap4_communication",
    "gap5_perception",
    "not_complaint",
]
GAPS: tuple[Gap, ...] = get_args(Gap)
# By name, for code that means one gap in particular.
KNOWLEDGE, STANDARDS, DELIVERY, COMMUNICATION, PERCEPTION, NOT_COMPLAINT = GAPS
COMPLAINT_GAPS: tuple[Gap, ...] = tuple(g for g in GAPS if g != NOT_COMPLAINT)

Dimension = Literal["reliability", "responsiveness", "assurance", "empathy", "tangibles"]
DIMENSIONS: tuple[Dimension, ...] = get_args(Dimension)
RELIABILITY, RESPONSIVENESS, ASSURANCE, EMPATHY, TANGIBLES = DIMENSIONS
# A text without a dimension: the classifier's class for it, and the value the warehouse's
# rollups store for it (ifNull(dimension, 'none') in the migrations).
NO_DIMENSION = "none"


@dataclass(frozen=True)
class Names:
    """How people see one gap."""

    short: str  # a confusion matrix's heading
    title: str  # panels and the HTML report
    demo: str  # the demo's live view, with the Chinese term
    action: str | None  # what it means and what management should do; None: no complaint


# Keyed by str: the labels looked up come from data and the warehouse.
NAMES: dict[str, Names] = {
    KNOWLEDGE: Names(
        "gap1",
        "Gap 1 knowledge",
        "1 knowledge 认知",
        "gap 1 (knowledge): the company misreads what customers expect; "
        "research and listen to customers",
    ),
    STANDARDS: Names(
        "gap2",
        "Gap 2 standards",
        "2 standards 标准",
        "gap 2 (standards): rules and service design miss expectations; "
        "revise standards and service design",
    ),
    DELIVERY: Names(
        "gap3",
        "Gap 3 delivery",
        "3 delivery 交付",
        "gap 3 (delivery): staff or systems fail the standard; train, empower and equip staff",
    ),
    COMMUNICATION: Names(
        "gap4",
        "Gap 4 communication",
        "4 communication 宣传",
        "gap 4 (communication): promises do not match delivery; align promises with delivery",
    ),
    PERCEPTION: Names(
        "gap5",
        "Gap 5 perception",
        "5 perception 感知",
        "gap 5 (perception): dissatisfaction without a stated cause; "
        "follow the four provider gaps behind it",
    ),
    NOT_COMPLAINT: Names("not", "Not a complaint", "not a complaint", None),
}

# What each complaint gap means and what management should do about it.
ACTIONS: dict[str, str] = {g: n.action for g, n in NAMES.items() if n.action is not None}
