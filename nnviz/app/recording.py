"""Recording a panel or the whole window while it trains, saved as an animated GIF or MP4.

A :class:`Recorder` grabs its target on a GUI-thread timer at the chosen frame rate, scales each
frame to the chosen size (the first frame fixes it; both sides even, as H.264 needs), and keeps
the frames in memory up to a time and memory limit. Saving encodes on a plain Python thread
(a minute of frames takes seconds), polled by a GUI timer, so no signal crosses threads. GIFs
are written with imageio (the optional ``media`` extra, Pillow underneath); MP4 only when
``imageio-ffmpeg`` is installed. The file is written atomically, with a JSON sidecar.
"""

from __future__ import annotations

import importlib.util
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from nnviz.app.panels.base import Panel
from nnviz.io.files import (
    ExportError,
    atomic_path,
    check_writable_folder,
    export_stem,
    unused_stem,
)
from nnviz.io.sidecar import make_sidecar, snapshot_sidecar, write_sidecar

#: frames are kept in memory; past this many bytes recording stops by itself
MEMORY_LIMIT = 768 * 2**20
MEDIA_HINT = "pip install 'nnviz[media]' (imageio); MP4 also needs imageio-ffmpeg"


class RecordingError(RuntimeError):
    """Recording or saving is not possible; the message says why and how to fix it."""


def available_formats() -> list[str]:
    """``gif`` with imageio and Pillow, ``mp4`` with imageio-ffmpeg as well."""
    found = []
    if importlib.util.find_spec("imageio") and importlib.util.find_spec("PIL"):
        found.append("gif")
        if importlib.util.find_spec("imageio_ffmpeg"):
            found.append("mp4")
    return found


def image_to_rgb(image: QImage) -> np.ndarray:
    """A QImage as an (h, w, 3) uint8 array (a copy: the QImage may go away)."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    height, width, stride = image.height(), image.width(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    return data.reshape(height, stride)[:, : width * 3].reshape(height, width, 3).copy()


def frame_size(widget_size: tuple[int, int], width: int | None) -> tuple[int, int]:
    """Output (w, h): ``width`` wide (or the widget's), same aspect, both sides even."""
    source_w, source_h = max(widget_size[0], 2), max(widget_size[1], 2)
    out_w = width or source_w
    out_h = round(out_w * source_h / source_w)
    return max(2, out_w - out_w % 2), max(2, out_h - out_h % 2)


def write_animation(path: str | Path, frames: list[np.ndarray], fps: float) -> Path:
    """Encode ``frames`` to ``path`` (.gif or .mp4) atomically."""
    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind not in available_formats():
        raise RecordingError(f"cannot write .{kind} here: {MEDIA_HINT}")
    if not frames:
        raise RecordingError("nothing was recorded")
    with atomic_path(path) as temporary:
        if kind == "gif":
            import imageio.v3 as iio

            iio.imwrite(temporary, np.stack(frames), extension=".gif",
                        duration=round(1000 / fps), loop=0)
        else:
            import imageio.v2 as iio2

            with iio2.get_writer(temporary, format="FFMPEG", mode="I", fps=fps,
                                 codec="libx264", quality=8, macro_block_size=2) as writer:
                for frame in frames:
                    writer.append_data(frame)
    return path


@dataclass(frozen=True)
class RecordingSettings:
    fps: int = 15
    width: int | None = 640
    format: str = "gif"
    max_seconds: float = 120.0


class Recorder(QObject):
    """Grabs ``target`` at ``settings.fps`` between :meth:`start` and :meth:`stop`."""

    #: (frames, reason) when recording stops; reason is "" when stopped by the person
    stopped = Signal(int, str)
    #: the written paths (animation, sidecar) once saving has finished
    saved = Signal(list)
    #: one line when saving failed
    failed = Signal(str)

    def __init__(self, target: QWidget, settings: RecordingSettings | None = None, *,
                 name: str = "window", snapshot: Callable[[], Any] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.target = target
        self.settings = settings or RecordingSettings()
        if self.settings.format not in ("gif", "mp4"):
            raise RecordingError(f"format {self.settings.format!r}: accepted: gif, mp4")
        if not 1 <= self.settings.fps <= 60:
            raise RecordingError(f"fps {self.settings.fps}: accepted from 1 to 60")
        self.name = name
        self.snapshot = snapshot or (lambda: getattr(target, "last_snapshot", None))
        self.frames: list[np.ndarray] = []
        self.size: tuple[int, int] | None = None
        self.first_snapshot: Any = None
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(round(1000 / self.settings.fps))
        self._timer.timeout.connect(self.capture)
        self._saver: threading.Thread | None = None
        self._save_result: list[Path] | Exception | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(50)
        self._poll.timeout.connect(self._check_saver)

    @property
    def recording(self) -> bool:
        return self._timer.isActive()

    @property
    def seconds(self) -> float:
        return len(self.frames) / self.settings.fps

    @property
    def max_frames(self) -> int:
        by_time = int(self.settings.max_seconds * self.settings.fps)
        if self.size is None:
            return by_time
        return max(1, min(by_time, MEMORY_LIMIT // (self.size[0] * self.size[1] * 3)))

    def start(self) -> None:
        if self.settings.format not in available_formats():
            raise RecordingError(f"cannot record {self.settings.format.upper()}: {MEDIA_HINT}")
        self.frames = []
        self.size = None
        self.first_snapshot = self.snapshot()
        self.capture()
        self._timer.start()

    def stop(self, reason: str = "") -> int:
        was = self.recording
        self._timer.stop()
        if was:
            self.stopped.emit(len(self.frames), reason)
        return len(self.frames)

    def capture(self) -> None:
        """Grab one frame (the timer calls this; tests may call it directly)."""
        pixmap = self.target.grab()
        if self.size is None:
            self.size = frame_size((self.target.width(), self.target.height()),
                                   self.settings.width)
        image = pixmap.toImage().scaled(self.size[0], self.size[1],
                                        Qt.AspectRatioMode.IgnoreAspectRatio,
                                        Qt.TransformationMode.SmoothTransformation)
        self.frames.append(image_to_rgb(image))
        if len(self.frames) >= self.max_frames:
            self.stop(f"the limit of {len(self.frames)} frames "
                      f"({self.seconds:.0f} s at this size) was reached")

    # -- saving ---------------------------------------------------------------------------
    def default_path(self, folder: str | Path) -> Path:
        folder = Path(folder)
        last = self.snapshot()
        stem = export_stem(last.scenario if last else "nnviz", last.step if last else None,
                           self.name)
        suffix = f".{self.settings.format}"
        return folder / (unused_stem(folder, stem, [suffix, ".json"]) + suffix)

    def save(self, path: str | Path, *, preset: str | None = None) -> list[Path]:
        """Encode and write now (blocking); returns [animation, sidecar]."""
        frames, path = self._take_frames(path)
        return self._write(path, frames, preset)

    def save_in_background(self, path: str | Path, *, preset: str | None = None) -> None:
        """Encode on a thread; :attr:`saved` or :attr:`failed` is emitted on the GUI thread."""
        if self._saver is not None and self._saver.is_alive():
            raise RecordingError("the previous recording is still being saved")
        frames, path = self._take_frames(path)

        def work() -> None:
            try:
                self._save_result = self._write(path, frames, preset)
            except Exception as error:  # reported on the GUI thread by _check_saver
                self._save_result = error

        self._save_result = None
        self._saver = threading.Thread(target=work, name="nnviz-recording-save", daemon=True)
        self._saver.start()
        self._poll.start()

    def wait_saved(self, timeout: float = 60.0) -> None:
        """Block until a background save ends, then deliver its signal (tests, closing)."""
        if self._saver is not None:
            self._saver.join(timeout)
        self._check_saver()

    def _check_saver(self) -> None:
        if self._saver is None or self._saver.is_alive():
            return
        self._poll.stop()
        self._saver = None
        result, self._save_result = self._save_result, None
        if isinstance(result, Exception):
            self.failed.emit(f"saving the recording failed: {result}")
        elif result is not None:
            self.saved.emit(result)

    def _take_frames(self, path: str | Path) -> tuple[list[np.ndarray], Path]:
        if self.recording:
            self.stop()
        if not self.frames:
            raise RecordingError("nothing was recorded")
        path = Path(path)
        check_writable_folder(path.parent)
        if path.suffix.lower() not in (".gif", ".mp4"):
            raise RecordingError(f"{path.name}: recordings are saved as .gif or .mp4")
        frames, self.frames = self.frames, []
        return frames, path

    def _write(self, path: Path, frames: list[np.ndarray], preset: str | None) -> list[Path]:
        started = time.perf_counter()
        written = write_animation(path, frames, self.settings.fps)
        last = self.snapshot()
        extra = {"recording": {
            "frames": len(frames), "fps": self.settings.fps,
            "size": [int(frames[0].shape[1]), int(frames[0].shape[0])],
            "seconds": round(len(frames) / self.settings.fps, 3),
            "first_step": getattr(self.first_snapshot, "step", None),
            "encode_seconds": round(time.perf_counter() - started, 3),
        }}
        files = [written.name]
        if last is not None:
            record = snapshot_sidecar(last, preset=preset, panel=self.name, files=files,
                                      extra=extra)
        else:
            record = make_sidecar(scenario=None, config=None, step=None, panel=self.name,
                                  files=files, extra=extra)
        return [written, write_sidecar(written.with_suffix(".json"), record)]


class RecordingDialog(QDialog):
    """Frame rate, width and format of a recording."""

    def __init__(self, parent: QWidget | None, target_width: int) -> None:
        super().__init__(parent)
        self.setWindowTitle("Record")
        form = QFormLayout(self)
        self.fps = QSpinBox()
        self.fps.setRange(1, 60)
        self.fps.setValue(15)
        self.fps.setSuffix(" frames/s")
        form.addRow("Frame rate", self.fps)
        self.width_box = QSpinBox()
        self.width_box.setRange(64, 3840)
        self.width_box.setValue(min(max(target_width, 64), 800))
        self.width_box.setSuffix(" px wide")
        form.addRow("Size", self.width_box)
        self.format_box = QComboBox()
        formats = available_formats()
        for name in ("gif", "mp4"):
            self.format_box.addItem(name.upper(), name)
            if name not in formats:
                item = self.format_box.model().item(self.format_box.count() - 1)
                item.setEnabled(False)
                item.setToolTip(MEDIA_HINT)
        form.addRow("Format", self.format_box)
        if not formats:
            form.addRow(QLabel(f"Recording needs imageio: {MEDIA_HINT}"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start recording")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(formats))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def settings(self) -> RecordingSettings:
        return RecordingSettings(fps=self.fps.value(), width=self.width_box.value(),
                                 format=self.format_box.currentData())


def ensure_folder(folder: Path) -> Path:
    try:
        return check_writable_folder(folder)
    except ExportError as error:
        raise RecordingError(str(error)) from None


class RecordingController(QObject):
    """Start/stop one recording at a time, of the window or of a panel; save on stop.

    The recording is written into the export folder under the usual
    ``scenario-step-name.gif`` name (never replacing a file) as soon as it stops.
    """

    message = Signal(str)
    failed = Signal(str)
    #: True when a recording starts, False when it stops
    changed = Signal(bool)

    def __init__(self, exports: Any, window: QWidget | None = None,
                 snapshot: Callable[[], Any] | None = None, parent: QObject | None = None
                 ) -> None:
        super().__init__(parent)
        self.exports = exports
        self.window = window
        self.snapshot = snapshot
        self.recorder: Recorder | None = None
        self._saving: list[Recorder] = []
        exports.panel_actions.append(self.add_panel_action)

    @property
    def recording(self) -> bool:
        return self.recorder is not None and self.recorder.recording

    def start(self, target: QWidget, name: str) -> bool:
        """Ask for frame rate, size and format, then start; False if cancelled or refused."""
        if self.recording:
            self.stop()
        dialog = RecordingDialog(target.window(), target.width())
        if not self.exports.run_dialog(dialog):
            return False
        snapshot = self.snapshot if name == "window" else None
        try:
            recorder = Recorder(target, dialog.settings(), name=name, snapshot=snapshot,
                                parent=self)
            recorder.stopped.connect(self._stopped)
            recorder.saved.connect(self._saved)
            recorder.failed.connect(self.failed.emit)
            recorder.start()
        except RecordingError as error:
            self.failed.emit(str(error))
            return False
        self.recorder = recorder
        self.message.emit(f"Recording {name} at {recorder.settings.fps} frames/s …")
        self.changed.emit(True)
        return True

    def stop(self) -> None:
        if self.recorder is not None and self.recorder.recording:
            self.recorder.stop()  # _stopped saves it

    def toggle_window(self, on: bool | None = None) -> None:
        if self.recording if on is None else not on:
            self.stop()
        elif self.window is not None:
            self.start(self.window, "window")

    def _stopped(self, frames: int, reason: str) -> None:
        recorder = self.recorder
        self.recorder = None
        self.changed.emit(False)
        if recorder is None or not frames:
            return
        try:
            folder = ensure_folder(self.exports.folder)
            recorder.save_in_background(recorder.default_path(folder),
                                        preset=self.exports.preset)
        except (RecordingError, OSError) as error:
            self.failed.emit(f"saving the recording failed: {error}")
            return
        self._saving.append(recorder)
        note = f" ({reason})" if reason else ""
        self.message.emit(f"Saving {frames} frames{note} …")

    def _saved(self, paths: list) -> None:
        self._saving = [r for r in self._saving if r._saver is not None]
        self.message.emit(f"Saved recording {paths[0]}")

    def wait(self, timeout: float = 60.0) -> None:
        """Finish every save in progress (before closing, and in tests)."""
        for recorder in list(self._saving):
            recorder.wait_saved(timeout)
        self._saving = []

    def add_panel_action(self, panel: Panel, menu: Any) -> None:
        recorder = self.recorder
        if recorder is not None and recorder.target is panel and recorder.recording:
            menu.addAction("Stop recording", self.stop)
        else:
            name = panel.kind or "panel"
            menu.addAction("Record this panel…",
                           lambda: self.start(panel, name.replace("_", "-")))
