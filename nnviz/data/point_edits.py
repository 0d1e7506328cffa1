"""Points a person draws: edits of a data set, and the one log that applies and undoes them.

On the decision-boundary panel a person adds points of a class by clicking (dragging sprays
more), erases them with Shift held, undoes, redoes and clears, while training runs; on the
regression «Fit» panel the same gestures add points (x, y): the input x with the real target
y (an edit then carries ``targets`` instead of class ``labels``). Each
gesture reaches the session as a :class:`DataEdit`, plain values that cross to a worker
process like any record, and the session applies it between two steps with its
:class:`PointEditLog`. The log is the only undo history there is: undo and redo are edits
too, so the window never keeps a copy of the data, and replaying the same edits on the same
data set gives the same points (the window replays them after a reset; see
:mod:`nnviz.app.runner`).

Coordinates are those of the plane the panel draws: the input plane itself for two features,
the raw x₁/x₂ plane when extra features are computed from them, or a slice of wider inputs.
The log maps a drawn point to the model's inputs with ``to_inputs`` (a point on a slice
becomes the input on that slice; extra features are computed from x₁, x₂) and inputs back to
the plane with ``to_plane`` (where the panel draws them, so Shift erases what is under the
pointer). For a 1-D regression (``target_axis``) the plane is (input, target): a drawn point
is its own input x and target y, and a row is drawn at (x, y).

One undo step is one gesture: the edits of a press-drag-release share a ``stroke`` number and
are undone together. Arrays are never changed in place (each edit makes new ones), so a state
kept for undo costs only the arrays no later state shares.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from nnviz.data.toy import Split

Array = np.ndarray

ADD, ERASE, UNDO, REDO, CLEAR = "add", "erase", "undo", "redo", "clear"
EDIT_ACTIONS = (ADD, ERASE, UNDO, REDO, CLEAR)
#: the splits an edit may add to or erase from (a clear empties both)
EDIT_SPLITS = ("train", "test")
#: the name a panel's ``live_change`` gives a data edit: the window hands it to the run
#: controller as it does a hyperparameter, which sends it on instead of setting a value
DATA_EDIT_CHANGE = "data_edit"
#: the key under which a :class:`~nnviz.session.Mailbox` queues data edits among the live
#: values: unlike a live value, every edit counts, in order
DATA_EDITS = "data_edits"
#: undo steps kept; older gestures cannot be undone
MAX_UNDO_STEPS = 200
#: the undo history's arrays together stay under this (a drawn set is small; a big file is
#: kept for one undo step at least)
MAX_HISTORY_BYTES = 256 << 20
#: the most points one edit may carry (a spray sends a few per mouse move)
MAX_EDIT_POINTS = 10_000


def _no_points() -> Array:
    return np.zeros((0, 2))


def _no_labels() -> Array:
    return np.zeros(0, dtype=np.int64)


def _no_targets() -> Array:
    return np.zeros(0)


@dataclass(frozen=True)
class DataEdit:
    """One change of the data set, in the drawn plane's coordinates.

    ``add``: ``points`` (n, 2) with class ``labels`` (n,), or with real ``targets`` (n,)
    for a regression, join ``split``. ``erase``: the points of ``split`` within ``radius``
    of any of ``points`` go, the distance measured with the second coordinate times
    ``y_scale`` (a plot whose axes have different units, as a fit's x and y: the eraser is
    round on screen). ``undo``/``redo``: the last gesture, or the last undone one.
    ``clear``: no points in either split. ``stroke`` numbers a gesture (0: the edit is a
    gesture of its own).
    """

    action: str
    points: Array = field(default_factory=_no_points)
    labels: Array = field(default_factory=_no_labels)
    radius: float = 0.0
    split: str = "train"
    stroke: int = 0
    targets: Array = field(default_factory=_no_targets)
    y_scale: float = 1.0

    def __post_init__(self) -> None:
        points = np.asarray(self.points, dtype=np.float64).reshape(-1, 2)
        labels = np.asarray(self.labels).reshape(-1)
        targets = np.asarray(self.targets, dtype=np.float64).reshape(-1)
        if self.action not in EDIT_ACTIONS:
            raise ValueError(f"no data edit {self.action!r}; one of {', '.join(EDIT_ACTIONS)}")
        if self.split not in EDIT_SPLITS:
            raise ValueError(f"a data edit's split is train or test, not {self.split!r}")
        if len(points) > MAX_EDIT_POINTS or not np.isfinite(points).all():
            raise ValueError(f"a data edit holds at most {MAX_EDIT_POINTS:,} finite points")
        if self.action == ADD:
            _check_added(len(points), labels, targets)
        if not (np.isfinite(self.radius) and self.radius >= 0):
            raise ValueError(f"an erase radius is a distance ≥ 0, not {self.radius}")
        if not (np.isfinite(self.y_scale) and self.y_scale > 0):
            raise ValueError(f"an erase's y scale is > 0, not {self.y_scale}")
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "labels", labels.astype(np.int64))
        object.__setattr__(self, "targets", targets)


def _check_added(n_points: int, labels: Array, targets: Array) -> None:
    """Added points carry one class index each, or one finite real target each."""
    if len(targets):
        if len(targets) != n_points or len(labels) or not np.isfinite(targets).all():
            raise ValueError("added points need one finite target each (and no class)")
        return
    if len(labels) != n_points or labels.dtype.kind not in "iu" or (labels < 0).any():
        raise ValueError("added points need one class index (0, 1, …) each")


def _same_place(points: Array) -> Array:
    return np.asarray(points)


def _first_coordinate(points: Array) -> Array:
    """A drawn (x, y) point's input on a fit: x (y is its target)."""
    return np.asarray(points)[:, :1]


@dataclass
class _UndoStep:
    stroke: int
    before: Split


class PointEditLog:
    """The data set as edited so far, and how to go back: see the module docstring.

    ``data`` is the current split (model inputs); :meth:`apply` changes it and says whether
    it did. ``to_inputs`` maps drawn (n, 2) points to model inputs (n, d); ``to_plane`` maps
    inputs to drawn points (both default to the points themselves: two plain features).
    ``target_axis``: a 1-D regression's log, whose plane is (input, target) and whose added
    points carry real targets (see :meth:`for_regression`).
    """

    def __init__(self, data: Split, *, to_inputs: Callable[[Array], Array] = _same_place,
                 to_plane: Callable[[Array], Array] = _same_place,
                 history_bytes: int = MAX_HISTORY_BYTES, target_axis: bool = False) -> None:
        self.data = data
        self.to_inputs = to_inputs
        self.to_plane = to_plane
        self.target_axis = target_axis
        self.history_bytes = history_bytes
        self._undo: list[_UndoStep] = []
        self._redo: list[Split] = []

    @classmethod
    def for_regression(cls, data: Split, **options: object) -> PointEditLog:
        """The log of a one-input regression: a drawn point (x, y) is the input x with the
        target y, and a row is erased where it is drawn, at (input, target)."""
        if data.n_features != 1:
            raise ValueError(f"points are drawn on a fit of one input, not {data.n_features}")
        return cls(data, to_inputs=_first_coordinate, to_plane=_same_place, target_axis=True,
                   **options)  # type: ignore[arg-type]

    def drawn(self, split: str) -> Array:
        """Where the rows of ``split`` are drawn: (n, 2) plane points."""
        x, y = self._split(split)
        if self.target_axis:
            return np.column_stack([np.asarray(x, np.float64)[:, 0],
                                    np.asarray(y, np.float64)])
        return np.asarray(self.to_plane(x), dtype=np.float64)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def apply(self, edit: DataEdit) -> bool:
        """Apply one edit; False when it changed nothing (an erase over no point, an undo
        with nothing to undo), and then the history is as it was."""
        if edit.action == UNDO:
            return self._undo_last()
        if edit.action == REDO:
            return self._redo_last()
        if edit.action == CLEAR:
            changed = self._cleared()
        elif edit.action == ADD:
            changed = self._with_added(edit)
        else:
            changed = self._with_erased(edit)
        if changed is None:
            return False
        self._remember(edit.stroke)
        self.data = changed
        return True

    # -- the edits ------------------------------------------------------------------------
    def _with_added(self, edit: DataEdit) -> Split | None:
        if not len(edit.points):
            return None
        x, y = self._split(edit.split)
        rows = np.asarray(self.to_inputs(edit.points), dtype=x.dtype).reshape(len(edit.points),
                                                                                 -1)
        if rows.shape[1] != x.shape[1]:
            raise ValueError(f"drawn points became {rows.shape[1]} inputs, not {x.shape[1]}")
        return self._replaced(edit.split, np.concatenate([x, rows]),
                              np.concatenate([y, self._added_targets(edit).astype(y.dtype)]))

    def _added_targets(self, edit: DataEdit) -> Array:
        """The added rows' targets: real ones for a regression, else class indices."""
        if self.target_axis:
            if not len(edit.targets):
                raise ValueError("points drawn on a fit need a target each, not a class")
            return edit.targets
        if not len(edit.labels):
            raise ValueError("points drawn on a boundary need a class each, not a target")
        if edit.labels.max() >= self.data.n_classes:
            raise ValueError(f"class {int(edit.labels.max())} is not one of this data set's "
                             f"{self.data.n_classes}")
        return edit.labels

    def _with_erased(self, edit: DataEdit) -> Split | None:
        x, y = self._split(edit.split)
        if not len(edit.points) or not len(y):
            return None
        stretch = np.array([1.0, edit.y_scale])
        drawn = self.drawn(edit.split) * stretch
        near = np.zeros(len(y), dtype=bool)
        for centre in edit.points * stretch:
            near |= ((drawn - centre) ** 2).sum(axis=1) <= edit.radius ** 2
        if not near.any():
            return None
        return self._replaced(edit.split, x[~near], y[~near])

    def _cleared(self) -> Split | None:
        data = self.data
        if not len(data.train_y) and not len(data.test_y):
            return None
        return replace(data, train_x=data.train_x[:0], train_y=data.train_y[:0],
                       test_x=data.test_x[:0], test_y=data.test_y[:0])

    def _split(self, split: str) -> tuple[Array, Array]:
        return getattr(self.data, f"{split}_x"), getattr(self.data, f"{split}_y")

    def _replaced(self, split: str, x: Array, y: Array) -> Split:
        return replace(self.data, **{f"{split}_x": x, f"{split}_y": y})

    # -- the history ----------------------------------------------------------------------
    def _remember(self, stroke: int) -> None:
        """Keep the state before this edit, unless an earlier edit of the same gesture
        already did (a gesture is one undo step); a new edit ends what could be redone."""
        self._redo.clear()
        if stroke and self._undo and self._undo[-1].stroke == stroke:
            return
        self._undo.append(_UndoStep(stroke, self.data))
        self._forget_oldest()

    def _forget_oldest(self) -> None:
        while len(self._undo) > 1 and (len(self._undo) > MAX_UNDO_STEPS
                                       or self._history_size() > self.history_bytes):
            self._undo.pop(0)

    def _history_size(self) -> int:
        arrays = {id(a): a for step in self._undo for a in _arrays(step.before)}
        return sum(a.nbytes for a in arrays.values())

    def _undo_last(self) -> bool:
        if not self._undo:
            return False
        self._redo.append(self.data)
        self.data = self._undo.pop().before
        return True

    def _redo_last(self) -> bool:
        if not self._redo:
            return False
        self._undo.append(_UndoStep(0, self.data))
        self.data = self._redo.pop()
        return True


def _arrays(data: Split) -> tuple[Array, ...]:
    return data.train_x, data.train_y, data.test_x, data.test_y
