"""The real entry point in a fresh process: open, train, close mid-run, exit cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import os
    import threading
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    import nnviz.app.main as main

    def drive():
        window = QApplication.topLevelWidgets()
        window = next(w for w in window if w.objectName() == "nnviz-main")
        window.runner.run()
        def close():
            latest = window.last_snapshot
            assert latest is not None and latest.step > 0, "never trained"
            window.quit_action.trigger()
        QTimer.singleShot(1500, close)

    app = QApplication([])  # run_app uses it; timers need it first
    QTimer.singleShot(0, drive)
    code = main.run_app("moons")
    alive = [t.name for t in threading.enumerate()
             if t.name.startswith("nnviz-worker-") and t.is_alive()]
    children = []
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/children") as listing:
            children += listing.read().split()
    print("exit", code, "threads", alive, "children", children)
""")


def test_nnviz_app_closes_mid_run_without_warnings(tmp_path):
    """The app as a person starts it, training in a worker process."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-W", "error", "-c", SCRIPT], capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "exit 0 threads [] children []" in done.stdout
    noise = [line for line in done.stderr.splitlines()
             if line.strip() and "propagateSizeHints" not in line]
    assert noise == []
    assert (tmp_path / "nnviz" / "nnviz.ini").exists()  # layout and last target saved
