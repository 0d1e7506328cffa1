"""Where a watched run's snapshots go: a run file, in the format of "Save run…".

:class:`RunFileSink` keeps the run in a bounded :class:`~nnviz.io.runs.RunRecord` (the app's
own store of a run: thinned curves, at most 60 snapshots with views) and writes it atomically
with :func:`~nnviz.io.runs.save_run`: at the first snapshot, then at most every
``save_seconds`` (so a script that crashes leaves a readable file at most that old), and at
close. A failed save during the run is a warning, not an exception in the person's loop; the
save at close raises, since then the file is all the person asked for.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from pathlib import Path

from nnviz.io.files import ExportError
from nnviz.io.runs import RunRecord, save_run
from nnviz.session import Snapshot


class RunFileSink:
    """Records a watched run to ``path``; see the module docstring."""

    def __init__(self, path: str | Path, *, save_seconds: float = 30.0, label: str = "",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.path = Path(path)
        self.save_seconds = save_seconds
        self.label = label
        self.record: RunRecord | None = None
        self.saves = 0
        self._clock = clock
        self._saved_at = -float("inf")
        self._warned = False

    def take(self, snapshot: Snapshot) -> None:
        if self.record is None:
            self.record = RunRecord.from_snapshot(snapshot)
            self.record.label = self.label
        self.record.add(snapshot)
        if self._clock() - self._saved_at >= self.save_seconds:
            self._save_during_run()

    def _save_during_run(self) -> None:
        try:
            self.save()
        except (OSError, ExportError) as error:
            self._saved_at = self._clock()  # try again a period later, not at every step
            if not self._warned:
                self._warned = True
                warnings.warn(f"nnviz: cannot write the run file yet ({error}); "
                              "training goes on", RuntimeWarning, stacklevel=4)

    def save(self) -> Path | None:
        """Write the run now (None when nothing has been recorded yet)."""
        if self.record is None:
            return None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        save_run(self.path, self.record)
        self._saved_at = self._clock()
        self.saves += 1
        return self.path

    def close(self) -> None:
        self.save()
