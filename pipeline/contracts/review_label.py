"""A human label for one text, as `gapwatch review import` reads it (JSON lines)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from pipeline.contracts._fields import Dimension, Id

Gap = Literal[
    "gap1_knowledge",
    "gap2_standards",
    "gap3_delivery",
    "gap4_communication",
    "gap5_perception",
    "not_complaint",
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class ReviewLabel(BaseModel):
    """`{"text": …, "gap": …, "dimension": … or null, "id": optional}`; labels exactly as in the
    labeling guide. Export files carry the prediction beside it, which import ignores."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    text: Text
    gap: Gap
    dimension: Dimension | None = None
    id: Id | None = None

    @model_validator(mode="after")
    def _no_dimension_without_a_complaint(self) -> ReviewLabel:
        if self.gap == "not_complaint" and self.dimension is not None:
            raise ValueError("not_complaint takes no dimension (labeling guide: null)")
        return self

    @property
    def label_id(self) -> str:
        return self.id or "text:" + hashlib.sha256(self.text.encode()).hexdigest()[:24]
