"""A human label for one text, as `gapwatch review import` reads it (JSON lines)."""

from __future__ import annotations

import hashlib
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from pipeline.contracts._fields import Id
from pipeline.gaps import NOT_COMPLAINT, Dimension, Gap

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
        if self.gap == NOT_COMPLAINT and self.dimension is not None:
            raise ValueError(f"{NOT_COMPLAINT} takes no dimension (labeling guide: null)")
        return self

    @property
    def label_id(self) -> str:
        return self.id or "text:" + hashlib.sha256(self.text.encode()).hexdigest()[:24]
