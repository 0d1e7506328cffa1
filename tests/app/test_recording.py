"""Recording a panel or window to an animated GIF (MP4 when imageio-ffmpeg is there)."""

from __future__ import annotations

import json

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMenu

from nnviz.app import recording
from nnviz.app.export_menu import ExportController
from nnviz.app.panels.base import Panel
from nnviz.app.recording import (
    Recorder,
    RecordingController,
    RecordingError,
    RecordingSettings,
    frame_size,
)

iio = pytest.importorskip("imageio.v3")


class GrowingCurve(Panel):
    kind = "growing_curve"
    title = "Growing"

    def __init__(self) -> None:
        super().__init__()
        self.plot = pg.PlotWidget()
        self.plot.setXRange(0, 50)
        self.plot.setYRange(-1, 1)
        self.layout_.addWidget(self.plot)
        self.curve = self.plot.plot(pen=pg.mkPen("y", width=3))
        self.n = 1

    def grow(self) -> None:
        self.n += 5
        x = np.arange(self.n)
        self.curve.setData(x, np.sin(x / 4))


@pytest.fixture
def panel(qtbot):
    widget = GrowingCurve()
    qtbot.addWidget(widget)
    widget.resize(401, 301)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _record(panel, frames=6, **settings):
    recorder = Recorder(panel, RecordingSettings(**settings), name="growing")
    recorder.start()
    recorder.stop()
    for _ in range(frames - 1):
        panel.grow()
        recorder.capture()
    return recorder


def test_frame_sizes_are_even_and_keep_the_aspect():
    assert frame_size((401, 301), None) == (400, 300)
    assert frame_size((800, 600), 321) == (320, 240)
    assert frame_size((1, 1), None) == (2, 2)


def test_a_recorded_panel_saves_as_an_animated_gif(panel, tmp_path):
    recorder = _record(panel, frames=6, fps=10, width=200)
    gif, sidecar = recorder.save(tmp_path / "boundary.gif")
    frames = iio.imread(gif, index=None)
    assert frames.shape[0] == 6
    assert frames.shape[1:3] == (150, 200)
    assert not np.array_equal(frames[0], frames[-1]), "the curve grew between frames"
    assert frames[-1].std() > 5
    meta = iio.immeta(gif, index=0)
    assert meta.get("duration") == 100
    record = json.loads(sidecar.read_text())
    assert record["recording"]["frames"] == 6 and record["recording"]["fps"] == 10
    assert record["recording"]["size"] == [200, 150]


def test_the_timer_captures_at_the_frame_rate(panel, qtbot):
    recorder = Recorder(panel, RecordingSettings(fps=20, width=100))
    recorder.start()
    assert recorder.recording
    qtbot.waitUntil(lambda: len(recorder.frames) >= 4, timeout=3000)
    recorder.stop()
    count = len(recorder.frames)
    qtbot.wait(120)
    assert len(recorder.frames) == count, "no frames after stop"


def test_recording_stops_itself_at_the_limit(panel, qtbot):
    recorder = Recorder(panel, RecordingSettings(fps=10, width=64, max_seconds=0.3))
    reasons = []
    recorder.stopped.connect(lambda frames, reason: reasons.append((frames, reason)))
    recorder.start()
    qtbot.waitUntil(lambda: bool(reasons), timeout=3000)
    assert reasons[0][0] == 3 and "limit" in reasons[0][1]
    assert not recorder.recording


def test_a_failed_encode_keeps_the_earlier_file(panel, tmp_path, monkeypatch):
    path = tmp_path / "take.gif"
    path.write_bytes(b"GIF89a earlier take")
    recorder = _record(panel, frames=3, width=80)

    def broken(*args, **kwargs):
        raise OSError("encoder crashed")

    monkeypatch.setattr(iio, "imwrite", broken)
    with pytest.raises(OSError, match="encoder crashed"):
        recorder.save(path)
    assert path.read_bytes() == b"GIF89a earlier take"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["take.gif"]


def test_mp4_needs_imageio_ffmpeg(panel, tmp_path):
    if "mp4" in recording.available_formats():
        recorder = _record(panel, frames=4, width=96, format="mp4")
        mp4, _ = recorder.save(tmp_path / "take.mp4")
        assert mp4.read_bytes()[4:8] == b"ftyp"
    else:
        recorder = Recorder(panel, RecordingSettings(format="mp4"))
        with pytest.raises(RecordingError, match="imageio-ffmpeg"):
            recorder.start()
    with pytest.raises(RecordingError, match="gif, mp4"):
        Recorder(panel, RecordingSettings(format="avi"))


def test_background_save_reports_on_the_gui_thread(panel, tmp_path, qtbot):
    recorder = _record(panel, frames=3, width=80)
    with qtbot.waitSignal(recorder.saved, timeout=10_000) as saved:
        recorder.save_in_background(tmp_path / "bg.gif")
    assert saved.args[0][0].exists()
    recorder = _record(panel, frames=2, width=80)
    with pytest.raises(OSError, match="not a folder"):
        (tmp_path / "file").write_text("x")
        recorder.save_in_background(tmp_path / "file" / "x.gif")


def test_the_panel_menu_starts_and_stops_a_recording(panel, tmp_path, qtbot):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    exports = ExportController(settings=settings)
    exports.folder = tmp_path / "out"
    exports.quiet = True
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog)
        if hasattr(dialog, "fps"):
            dialog.fps.setValue(25)
            dialog.width_box.setValue(120)
        return True

    exports.run_dialog = accept
    controller = RecordingController(exports)
    messages = []
    controller.message.connect(messages.append)
    menu = exports.menu_for(panel)
    menu.aboutToShow.emit()
    start = next(a for a in menu.actions() if a.text() == "Record this panel…")
    start.trigger()
    assert controller.recording and controller.recorder.settings.fps == 25
    for _ in range(3):
        panel.grow()
        controller.recorder.capture()
    menu.aboutToShow.emit()
    stop = next(a for a in menu.actions() if a.text() == "Stop recording")
    stop.trigger()
    assert not controller.recording
    controller.wait()
    gifs = list((tmp_path / "out").glob("*.gif"))
    assert [g.name for g in gifs] == ["nnviz-growing-curve.gif"]
    assert iio.imread(gifs[0], index=None).shape[2] == 120
    assert any("Saved recording" in m for m in messages)
    assert isinstance(menu, QMenu)
