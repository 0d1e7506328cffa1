"""View records of transfer learning: feature-extraction progress and one classified file.

The gallery of validation images uses :class:`~nnviz.core.classifier_views.ExampleGallery`
and the feature plane :class:`~nnviz.core.views.Projection` plus a
:class:`~nnviz.core.views.DecisionGrid`; these two records carry what those do not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class FeatureProgress:
    """How far the frozen backbone has got through the images.

    ``from_cache`` of the ``done`` images came from the disk cache; ``seconds_per_image`` is
    the backbone's mean forward time per image in this run (0 before the first).
    """

    #: the snapshot view kind it is computed as (``Snapshot.view``'s default key)
    view_kind: ClassVar[str] = "feature_progress"

    done: int
    total: int
    from_cache: int
    seconds_per_image: float
    backbone: str
    input_size: int
    note: str = ""

    @property
    def finished(self) -> bool:
        return self.done >= self.total

    def text(self) -> str:
        if self.finished:
            line = (f"{self.backbone} features of {self.total} images ready "
                    f"({self.from_cache} from the cache)")
        else:
            line = (f"Computing {self.backbone} bottleneck features: {self.done} of "
                    f"{self.total} images ({self.from_cache} from the cache)")
        if self.seconds_per_image:
            line += f", {self.seconds_per_image:.3g} s per image at {self.input_size} px"
        return f"{line}. {self.note}" if self.note else line


@dataclass(frozen=True)
class ClassifiedImage:
    """Scores of the current classifier for one image file (``error`` when it failed)."""

    #: the snapshot view kind it is computed as (``Snapshot.view``'s default key)
    view_kind: ClassVar[str] = "classified"

    path: str
    image: Array | None
    scores: Array | None
    class_names: tuple[str, ...]
    error: str = ""

    def score_lines(self) -> list[str]:
        """``"hotdog 0.99956"`` per class, best first."""
        if self.scores is None:
            return []
        return class_scores(self.scores, self.class_names)


def class_scores(scores: Array, class_names: Sequence[str], digits: int = 5) -> list[str]:
    """Each class with its probability to ``digits`` decimals, best first."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    return [f"{class_names[i]} {float(scores[i]):.{digits}f}" for i in order]
