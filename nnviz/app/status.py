"""The status bar's permanent readout: step, epoch and training speed of the shown run."""

from __future__ import annotations

from collections import deque

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from nnviz.session import Snapshot

#: the speed is averaged over the snapshots of about this many seconds of training
RATE_WINDOW_S = 1.0


class StatusReadout(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(14)
        self.state = QLabel("idle")
        self.step = QLabel("step –")
        self.epoch = QLabel("epoch –")
        self.rate = QLabel("– steps/s")
        for label, name in ((self.state, "state"), (self.step, "step"), (self.epoch, "epoch"),
                            (self.rate, "rate")):
            label.setObjectName(f"status-{name}")
            layout.addWidget(label)
        self._samples: deque[tuple[float, int]] = deque()
        self._run_id: int | None = None
        self.steps_per_second = 0.0

    def set_state(self, state: str) -> None:
        self.state.setText(state)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        if snapshot.run_id != self._run_id:
            self._run_id = snapshot.run_id
            self._samples.clear()
        samples = self._samples
        if samples and snapshot.wall_seconds < samples[-1][0]:
            samples.clear()  # a continued run restarts its clock
        samples.append((snapshot.wall_seconds, snapshot.step))
        while len(samples) > 2 and samples[-1][0] - samples[1][0] >= RATE_WINDOW_S:
            samples.popleft()
        (t0, s0), (t1, s1) = samples[0], samples[-1]
        self.steps_per_second = (s1 - s0) / (t1 - t0) if t1 > t0 else 0.0
        self.step.setText(f"step {snapshot.step:,}")
        self.epoch.setText(f"epoch {snapshot.epoch:,.2f}")
        self.rate.setText(f"{self.steps_per_second:,.0f} steps/s")
