"""Panels to PNG/SVG/CSV files: the exported files are opened and checked."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QContextMenuEvent, QImage
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QVBoxLayout, QWidget

from nnviz.app import export
from nnviz.app.export_menu import ExportController, _over_plot_menu
from nnviz.app.panels.base import Panel
from nnviz.cli import resolve_config
from nnviz.session import train

SVG = "{http://www.w3.org/2000/svg}"


class CurvePanel(Panel):
    """A loss curve, a filled histogram (a closed path) and an image with iso-lines."""

    kind = "demo_curves"
    title = "Demo curves"

    def __init__(self) -> None:
        super().__init__()
        self.plot = pg.PlotWidget(title="Loss and histogram")
        self.layout_.addWidget(self.plot)
        self.layout_.addWidget(QLabel("controls below the plot"))
        self.steps = np.arange(200)
        self.loss = np.exp(-self.steps / 40) + 0.05 * np.sin(self.steps)
        self.curve = self.plot.plot(self.steps, self.loss, pen=pg.mkPen("y", width=2))
        counts, edges = np.histogram(np.random.default_rng(0).normal(100, 30, 2000), 20)
        self.plot.plot(edges, counts / counts.max(), stepMode="center", fillLevel=0,
                       brush=(0, 0, 255, 150))
        field = np.random.default_rng(1).random((16, 16))
        image = pg.ImageItem(field)
        image.setRect(120, 0.3, 60, 0.5)
        self.plot.addItem(image)
        pg.IsocurveItem(data=field, level=0.5, pen="r").setParentItem(image)
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "training loss")

    def export_target(self):
        return self.plot.plotItem

    def csv_tables(self):
        steps, loss = self.curve.getData()
        return {"loss": (["step", "loss"], [steps, loss])}


class WidgetPanel(Panel):
    """A panel with no pyqtgraph target: exported by rendering the widget."""

    kind = "plain_text"
    title = "Plain"

    def __init__(self) -> None:
        super().__init__()
        label = QLabel("accuracy 97.5 %")
        label.setStyleSheet("font-size: 28px; color: #c00; background: #ffe;")
        self.layout_.addWidget(label)


@pytest.fixture
def snapshot():
    scenario, config, _ = resolve_config("moons", None, ["n_samples=80"])
    return list(train(scenario.create_session(config), max_steps=20, every=20, views=False))[-1]


@pytest.fixture
def panel(qtbot, snapshot):
    widget = CurvePanel()
    qtbot.addWidget(widget)
    widget.resize(520, 360)
    widget.show()
    qtbot.waitExposed(widget)
    widget.show_snapshot(snapshot)
    return widget


def _not_blank(image: QImage) -> None:
    pixels = _array(image)
    colours = np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)
    assert len(colours) > 50, f"only {len(colours)} colours: a blank image"
    assert pixels[..., :3].std() > 10


def _array(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    data = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    return data.reshape(image.height(), image.bytesPerLine())[:, :image.width() * 4] \
        .reshape(image.height(), image.width(), 4).copy()


def test_png_has_the_requested_size_at_any_scale(panel, tmp_path):
    before = panel.size()
    for size, scale in (((1200, 800), 2.0), ((640, 300), 1.0), ((333, 777), 1.5)):
        image = export.render_png(panel, size, scale)
        path = export.save_image(image, tmp_path / f"{size[0]}.png")
        decoded = QImage(str(path))
        assert (decoded.width(), decoded.height()) == size
        _not_blank(decoded)
    assert panel.size() == before, "the panel must go back to its on-screen size"


def test_png_scale_renders_sharper_not_just_bigger(panel):
    plain = export.render_png(panel, None, 1.0)
    double = export.render_png(panel, None, 2.0)
    assert double.width() == 2 * plain.width() and double.height() == 2 * plain.height()
    # an enlarged bitmap would have the same number of distinct colours; a sharper one more
    small = len(np.unique(_array(plain).reshape(-1, 4), axis=0))
    large = len(np.unique(_array(double).reshape(-1, 4), axis=0))
    assert large > small


def test_svg_of_closed_paths_parses_with_the_plot_elements(panel):
    """A filled histogram and an image + iso-curve are closed paths: Qt ≥ 6.11 broke this."""
    data = export.render_svg(panel, (600, 400))
    root = ET.fromstring(data)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox").split() == ["0", "0", "600", "400"]
    paths = root.findall(f".//{SVG}path") + root.findall(f".//{SVG}polyline")
    assert len(paths) >= 4
    texts = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    for words in ("Loss and histogram", "step", "training loss"):
        assert words in texts
    assert root.findall(f".//{SVG}image"), "the ImageItem is embedded as an image"


def test_svg_renders_with_qt(panel, tmp_path):
    QSvgRenderer = pytest.importorskip("PySide6.QtSvg").QSvgRenderer
    renderer = QSvgRenderer(export.render_svg(panel, (480, 320)))
    assert renderer.isValid()
    image = QImage(480, 320, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.white)
    from PySide6.QtGui import QPainter

    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    _not_blank(image)
    # the background covers the figure, not a 100×100 corner (pyqtgraph writes width="100%")
    assert _array(image)[-5, -5, :3].tolist() == [0, 0, 0]


def test_svg_at_another_size_draws_the_data_where_the_png_does(panel):
    """The SVG exporter never paints, so ViewBoxes must be told to update their transform."""
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgRenderer

    size = (900, 600)  # not the on-screen size: the panel is laid out again for the export
    renderer = QSvgRenderer(export.render_svg(panel, size))  # first: nothing painted yet
    png = export.render_png(panel, size, 1.0)
    drawn = QImage(*size, QImage.Format.Format_ARGB32)
    drawn.fill(Qt.GlobalColor.black)
    painter = QPainter(drawn)
    renderer.render(painter)
    painter.end()
    coarse = [_array(image)[..., :3].reshape(30, 20, 30, 30, 3).mean(axis=(1, 3))
              for image in (png, drawn)]
    assert np.abs(coarse[0] - coarse[1]).mean() < 12


def test_csv_columns_match_the_curve(panel, tmp_path):
    written = export.export_panel(panel, tmp_path, export.ExportOptions(("csv",)))
    table = [p for p in written if p.suffix == ".csv"]
    assert len(table) == 1
    rows = list(csv.reader(table[0].read_text().splitlines()))
    assert rows[0] == ["step", "loss"]
    steps, loss = panel.curve.getData()
    np.testing.assert_array_equal([float(r[0]) for r in rows[1:]], steps)
    np.testing.assert_array_equal([float(r[1]) for r in rows[1:]], loss)


def test_export_writes_every_format_and_a_sidecar_and_never_overwrites(panel, tmp_path,
                                                                       snapshot):
    options = export.ExportOptions(("png", "svg", "csv"), (400, 300), 1.0, "moons-3-hidden")
    first = export.export_panel(panel, tmp_path, options)
    stem = f"moons-{snapshot.step}-demo-curves"
    assert [p.name for p in first] == [f"{stem}{s}" for s in (".png", ".svg", ".csv", ".json")]
    sidecar = json.loads(first[-1].read_text())
    assert sidecar["scenario"] == "moons" and sidecar["step"] == snapshot.step
    assert sidecar["preset"] == "moons-3-hidden" and sidecar["panel"] == "demo-curves"
    assert sidecar["files"] == [p.name for p in first[:-1]]
    assert sidecar["hyperparameters"]["n_samples"] == 80
    assert sidecar["export"] == {"formats": ["png", "svg", "csv"], "scale": 1.0,
                                 "size": [400, 300]}
    old = {p: p.read_bytes() for p in first}
    second = export.export_panel(panel, tmp_path, options)
    assert second[0].name == f"{stem}-1.png"
    assert {p: p.read_bytes() for p in first} == old


def test_a_failed_render_writes_nothing(panel, tmp_path, monkeypatch):
    earlier = export.export_panel(panel, tmp_path, export.ExportOptions(("png",)))

    def broken(*args, **kwargs):
        raise RuntimeError("SVG exporter broke")

    monkeypatch.setattr(export, "render_svg", broken)
    with pytest.raises(RuntimeError):
        export.export_panel(panel, tmp_path, export.ExportOptions(("png", "svg")))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in earlier)


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="format pdf: accepted: png, svg, csv"):
        export.ExportOptions(("pdf",))
    with pytest.raises(ValueError, match="scale 20"):
        export.ExportOptions(("png",), None, 20.0)


def test_a_panel_without_a_plot_renders_its_widget(qtbot, tmp_path):
    panel = WidgetPanel()
    qtbot.addWidget(panel)
    panel.resize(300, 120)
    image = export.render_png(panel, (600, 240), 2.0)
    assert (image.width(), image.height()) == (600, 240)
    _not_blank(image)
    root = ET.fromstring(export.render_svg(panel))
    assert root.tag == f"{SVG}svg"
    with pytest.raises(OSError, match="no data"):
        export.export_panel(panel, tmp_path, export.ExportOptions(("csv",)))
    written = export.export_panel(panel, tmp_path, export.ExportOptions(("png", "svg")))
    assert [p.name for p in written] == ["nnviz-plain-text.png", "nnviz-plain-text.svg",
                                         "nnviz-plain-text.json"]


def test_screenshot_and_clipboard(qtbot, tmp_path, panel, snapshot):
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    layout.addWidget(QLabel("a window"))
    second = CurvePanel()
    layout.addWidget(second)
    window.resize(400, 500)
    window.show()
    qtbot.waitExposed(window)
    png, sidecar = export.save_screenshot(window, tmp_path, scale=2.0, snapshot=snapshot)
    assert png.name == f"moons-{snapshot.step}-window.png"
    decoded = QImage(str(png))
    assert (decoded.width(), decoded.height()) == (800, 1000)
    _not_blank(decoded)
    assert json.loads(sidecar.read_text())["panel"] == "window"

    image = export.copy_to_clipboard(panel)
    clipped = QApplication.clipboard().image()
    assert (clipped.width(), clipped.height()) == (image.width(), image.height())
    mime = QApplication.clipboard().mimeData()
    assert b"<svg" in bytes(mime.data("image/svg+xml").data())


def test_the_interpreter_exits_cleanly_after_copying_to_the_clipboard(tmp_path):
    """Qt frees the clipboard's data after Python has finalised: a Python-made QMimeData
    there crashed the process at exit (SIGSEGV) after every copy."""
    script = textwrap.dedent("""
        from PySide6.QtWidgets import QApplication
        from nnviz.app import export
        from nnviz.app.panels.loss import LossPanel
        app = QApplication([])
        panel = LossPanel()
        panel.resize(300, 200)
        export.copy_to_clipboard(panel)
        print("copied", app.clipboard().mimeData().formats())
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "image/svg+xml" in done.stdout


def _controller(tmp_path, accept=True, **dialog_values):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    controller = ExportController(settings=settings)
    controller.folder = tmp_path / "out"
    controller.quiet = True
    seen = []

    def run_dialog(dialog):
        seen.append(dialog)
        for name, value in dialog_values.items():
            getattr(dialog, name).setValue(value) if hasattr(getattr(dialog, name), "setValue") \
                else getattr(dialog, name).setText(value)
        return accept

    controller.run_dialog = run_dialog
    return controller, seen


@pytest.mark.qt_log_ignore("This plugin does not support")  # offscreen: a popup menu
def test_right_click_menu_exports_through_the_dialog(qtbot, panel, tmp_path):
    controller, dialogs = _controller(tmp_path, width_box=900)
    controller.install(panel)
    scene = panel.plot.scene()
    assert scene.contextMenu[0].title() == "Export"
    # pyqtgraph's own ViewBox menu gets the entries through the scene
    view_box = panel.plot.plotItem.vb
    menu = view_box.getMenu(None)
    scene.addParentContextMenus(view_box, menu, type("E", (), {"acceptedItem": view_box})())
    assert any(a.menu() is scene.contextMenu[0] for a in menu.actions() if a.menu())

    # off the plot (over the label below it) the panel shows the export menu itself
    label = panel.findChild(QLabel)
    at = label.mapToGlobal(label.rect().center())
    QApplication.sendEvent(label, QContextMenuEvent(QContextMenuEvent.Reason.Mouse,
                                                    label.rect().center(), at))
    popup = controller.menu_for(panel)
    assert popup.isVisible()
    texts = [a.text() for a in popup.actions()]
    assert texts == ["Export as PNG…", "Export as SVG…", "Export data as CSV…",
                     "Copy image to clipboard"]
    popup.actions()[0].trigger()
    popup.hide()
    assert len(dialogs) == 1
    assert dialogs[0].format_boxes["png"].isChecked()
    assert not dialogs[0].format_boxes["svg"].isChecked()
    written = sorted((tmp_path / "out").iterdir())
    png = next(p for p in written if p.suffix == ".png")
    decoded = QImage(str(png))
    assert decoded.width() == 900
    assert (tmp_path / "out" / f"{png.stem}.json").exists()


def test_right_click_over_the_plot_leaves_the_menu_to_pyqtgraph(qtbot, panel, tmp_path):
    controller, _ = _controller(tmp_path)
    controller.install(panel)
    viewport = panel.plot.viewport()
    centre = panel.plot.mapFromScene(panel.plot.plotItem.vb.sceneBoundingRect().center())
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, centre,
                              viewport.mapToGlobal(centre))
    assert _over_plot_menu(panel, viewport.mapToGlobal(centre))
    label = panel.findChild(QLabel)
    assert not _over_plot_menu(panel, label.mapToGlobal(label.rect().center()))
    QApplication.sendEvent(viewport, event)
    assert not controller.menu_for(panel).isVisible()


def test_cancelled_dialog_writes_nothing_and_errors_are_reported(qtbot, panel, tmp_path):
    controller, _ = _controller(tmp_path, accept=False)
    assert controller.export_panel(panel, ("png",)) == []
    assert not (tmp_path / "out").exists()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    controller, _ = _controller(tmp_path)
    controller.folder = blocker
    failures = []
    controller.failed.connect(failures.append)
    assert controller.export_panel(panel, ("png",)) == []
    assert failures and "not a folder" in failures[0]


def test_export_all_writes_each_panel(qtbot, panel, tmp_path):
    other = WidgetPanel()
    qtbot.addWidget(other)
    other.resize(200, 100)
    controller, _ = _controller(tmp_path)
    messages = []
    controller.message.connect(messages.append)
    written = controller.export_all([panel, other])
    names = sorted(p.name for p in written)
    assert any(n.endswith("demo-curves.csv") for n in names)
    assert "nnviz-plain-text.png" in names and "nnviz-plain-text.csv" not in names
    assert sum(n.endswith(".json") for n in names) == 2
    assert messages and "Wrote" in messages[0]


def test_extra_panel_actions_join_the_menu(qtbot, panel, tmp_path):
    controller, _ = _controller(tmp_path)
    called = []

    def add(target, menu: QMenu):
        menu.addAction("Record this panel…", lambda: called.append(target))

    controller.panel_actions.append(add)
    menu = controller.menu_for(panel)
    menu.aboutToShow.emit()
    action = [a for a in menu.actions() if a.text() == "Record this panel…"]
    assert action
    action[0].trigger()
    assert called == [panel]



def test_a_panel_that_cannot_shrink_is_fitted_not_cut(qtbot):
    panel = WidgetPanel()
    qtbot.addWidget(panel)
    footer = QLabel("footer")
    footer.setStyleSheet("background: #00ff00; color: #00ff00;")
    footer.setMinimumHeight(60)
    panel.layout_.addWidget(footer)
    panel.setMinimumSize(400, 400)
    panel.resize(400, 400)
    image = export.render_png(panel, (400, 200), 1.0)
    assert (image.width(), image.height()) == (400, 200)
    pixels = _array(image)[..., :3].astype(int)
    green = (pixels[..., 1] > 200) & (pixels[..., 0] < 60) & (pixels[..., 2] < 60)
    assert green.any(), "the footer at the bottom was cut off"
    assert green[:, :100].sum() == 0 and green[:, 300:].sum() == 0, "fitted and centred"
