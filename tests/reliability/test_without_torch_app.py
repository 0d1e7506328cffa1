"""The app on a machine without torch / torchvision (simulated in a fresh interpreter).

A meta-path finder makes ``import torch`` (or only ``import torchvision``) fail and
``importlib.util.find_spec`` answer None, as on a machine where they were never installed; a
``sitecustomize`` on ``PYTHONPATH`` installs the same finder in the worker process the app
starts, which trains there.
The real entry point (``run_app``) must start offscreen, list the scenarios that need the
missing package as disabled with the install command, refuse to open them with that command
in the message, refuse ``backend=torch`` while keeping the running session, and train moons.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import json
    import sys
    import threading

    # the packages are hidden by SITECUSTOMIZE, imported at start-up here as in the worker
    BLOCKED = tuple(sys.argv[1].split(","))
    UNAVAILABLE = sys.argv[2]

    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication
    import nnviz.app.main as main

    report = {}

    def window():
        return next(w for w in QApplication.topLevelWidgets()
                    if w.objectName() == "nnviz-main")

    def inspect():
        win = window()
        report["scenarios"] = {
            name: {"enabled": bool(item.flags() & Qt.ItemFlag.ItemIsEnabled),
                   "text": item.text(0) + " " + item.text(1), "tip": item.toolTip(0)}
            for name, item in win.picker.items.items()
            if name in ("moons", "digits", "digits_cnn", "race", "hotdog")}
        win.runner.run()
        QTimer.singleShot(700, refuse)

    def refuse():
        win = window()
        report["run_id"] = win.runner.run_id
        report["open_unavailable"] = win.open_target(UNAVAILABLE)
        report["open_message"] = win.banner.text()
        report["target_after"] = win.target.name
        if "torch" in BLOCKED:  # with torch present, a torch build cannot be stopped fast
            combo = win.controls.editors["backend"].combo
            index = combo.findText("torch")
            combo.setCurrentIndex(index)
            combo.activated.emit(index)
        QTimer.singleShot(700, finish)

    def finish():
        win = window()
        report["backend_message"] = win.banner.text()
        report["backend_after"] = win.runner.config.backend
        report["backend_control"] = win.controls.editors["backend"].value()
        report["run_id_after"] = win.runner.run_id
        report["state"] = win.runner.state
        report["steps"] = win.runner.last_snapshot.step
        win.quit_action.trigger()

    app = QApplication([])
    QTimer.singleShot(0, inspect)
    code = main.run_app("moons")
    report["exit"] = code
    report["threads"] = [t.name for t in threading.enumerate()
                         if t.name.startswith("nnviz-worker-") and t.is_alive()]
    report["imported"] = sorted(m for m in BLOCKED if m in sys.modules)
    print("REPORT " + json.dumps(report))
""")


#: a finder that hides packages (``NNVIZ_TEST_BLOCKED``: which), for the window's process and
#: its worker alike: both start with this folder on PYTHONPATH
SITECUSTOMIZE = textwrap.dedent("""
    import importlib.machinery
    import os
    import sys

    BLOCKED = tuple(os.environ.get("NNVIZ_TEST_BLOCKED", "").split(","))

    class Missing(importlib.machinery.PathFinder):
        @classmethod
        def find_spec(cls, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                return None
            return super().find_spec(name, path, target)

    sys.meta_path[:] = [Missing if f is importlib.machinery.PathFinder else f
                        for f in sys.meta_path]
""")


def run_without(blocked: str, unavailable: str, tmp_path) -> tuple[dict, str]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    paths = [str(site), *(p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "c"),
               XDG_DATA_HOME=str(tmp_path / "d"), NNVIZ_TEST_BLOCKED=blocked,
               PYTHONPATH=os.pathsep.join(paths))
    done = subprocess.run([sys.executable, "-W", "error", "-c", SCRIPT, blocked,
                           unavailable],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("REPORT "))
    noise = "\n".join(x for x in done.stderr.splitlines()
                      if x.strip() and "propagateSizeHints" not in x)
    return json.loads(line.removeprefix("REPORT ")), noise


@pytest.mark.parametrize("blocked, disabled", [
    ("torch,torchvision", ("digits_cnn", "hotdog")),
    ("torchvision", ("hotdog",)),
])
def test_app_without_optional_packages(tmp_path, blocked, disabled):
    report, noise = run_without(blocked, disabled[0], tmp_path)
    assert noise == ""
    assert report["exit"] == 0 and report["threads"] == [] and report["imported"] == []
    scenarios = report["scenarios"]
    for name in disabled:
        entry = scenarios[name]
        assert not entry["enabled"], name
        assert "unavailable" in entry["text"] and "pip install" in entry["text"], entry
        assert "pip install" in entry["tip"]
    for name in set(scenarios) - set(disabled):
        assert scenarios[name]["enabled"], name
    # moons trained the whole time
    assert report["steps"] > 0 and report["state"] == "running"
    assert report["run_id_after"] == report["run_id"]
    # opening one by name is refused with the install command; moons stays open
    assert report["open_unavailable"] is False
    assert "pip install" in report["open_message"]
    assert report["target_after"] == "moons"
    if "torch" in blocked.split(","):
        # backend=torch cannot be built: refused with the install command, moons goes on
        assert "needs PyTorch" in report["backend_message"]
        assert "pip install" in report["backend_message"]
        assert "Kept the previous run" in report["backend_message"]
        assert report["backend_after"] == "numpy" and report["backend_control"] == "numpy"
