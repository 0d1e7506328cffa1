"""``nnviz app PATH`` in a fresh interpreter: which run viewers it opened, over the window."""

from __future__ import annotations

from pathlib import Path


def viewers_opened_by_nnviz_app(path: Path, tmp_path: Path) -> dict:
    """Run ``nnviz app PATH`` in a fresh process and report its exit code and, for every run
    viewer it showed, the record's label and the panel kinds."""
    from test_startup_imports import run_fresh

    return run_fresh(f"""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from nnviz.app.runs import RunViewer
        from nnviz.cli import main

        seen = {{}}

        def look():
            viewers = [w for w in QApplication.topLevelWidgets()
                       if isinstance(w, RunViewer) and w.isVisible()]
            seen["labels"] = [v.record.label for v in viewers]
            seen["panels"] = [[p.kind for p in v.panels] for v in viewers]
            QApplication.instance().quit()

        app = QApplication([])
        QTimer.singleShot(0, look)
        seen["code"] = main(["app", {str(path)!r}])
        report(**seen)
    """, tmp_path)
