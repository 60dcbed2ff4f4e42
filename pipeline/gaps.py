"""The gaps model of service quality: what each gap means, and what management should do."""

from __future__ import annotations

ACTIONS = {
    "gap1_knowledge": "gap 1 (knowledge): the company misreads what customers expect; "
    "research and listen to customers",
    "gap2_standards": "gap 2 (standards): rules and service design miss expectations; "
    "revise standards and service design",
    "gap3_delivery": "gap 3 (delivery): staff or systems fail the standard; "
    "train, empower and equip staff",
    "gap4_communication": "gap 4 (communication): promises do not match delivery; "
    "align promises with delivery",
    "gap5_perception": "gap 5 (perception): dissatisfaction without a stated cause; "
    "follow the four provider gaps behind it",
}
