import numpy as np
from PySide6.QtGui import QImage


def test_window_trains_moons_and_draws(qtbot, window, wait_for_step, tmp_path):
    window.runner.run()
    snapshot = wait_for_step(window, 200)
    assert snapshot.scenario == "moons"
    kinds = [panel.kind for panel in window.panels()]
    assert kinds[:3] == ["decision_boundary", "loss", "network"]
    qtbot.waitUntil(lambda: window.panels()[0].frames >= 3, timeout=5000)
    path = tmp_path / "window.png"
    assert window.grab().save(str(path))
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(
        image.height(), image.bytesPerLine() // 4, 4)[:, : image.width(), :3]
    assert pixels.std() > 20  # not blank
    colours = {tuple(p) for p in pixels[::7, ::7].reshape(-1, 3)}
    assert len(colours) > 50
