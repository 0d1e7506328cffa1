"""What the window defers past its first frame, and what opening one target imports (issue 16,
item 11): the export machinery is built on first use or just after the first paint, and a
preset opens importing only its own scenario's module.

Checks of ``sys.modules`` run in a fresh interpreter (``run_fresh``): in the test process
other tests have imported everything already.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMainWindow
from test_startup_imports import run_fresh

from nnviz.scenarios.registry import SCENARIO_HOMES

#: modules only the export, recording and saved-run machinery needs
EXPORT_MACHINERY = ("nnviz.app.export_menu", "nnviz.app.export", "nnviz.app.recording",
                    "nnviz.app.runs", "pyqtgraph.exporters", "importlib.metadata")
EXPORT_ACTIONS = ["Export all…", "Screenshot", "Record", "Save run…", "Open run…"]
MOONS_PRESET = "moons-3-hidden"


def test_the_window_is_up_before_the_export_machinery_is_built(tmp_path):
    """Shown with its loop running, the window has its export actions but has not imported
    what they run; on the pass after its first paint it builds that, and every panel gets
    its right-click export menu."""
    result = run_fresh("""
        import sys
        from PySide6.QtCore import QEvent, QObject, QTimer
        from PySide6.QtWidgets import QApplication
        from nnviz.app.window import MainWindow

        app = QApplication([])
        window = MainWindow("moons")
        seen = {}

        def loop_running():
            seen["modules_up"] = sorted(sys.modules)
            seen["actions"] = [action.text() for action in window.toolbar.actions()]

        class FirstFrame(QObject):
            def eventFilter(self, watched, event):
                if event.type() == QEvent.Type.Paint and "frame" not in seen:
                    seen["frame"] = True
                    QTimer.singleShot(0, lambda: QTimer.singleShot(0, settled))
                return False

        def settled():
            seen["built"] = getattr(window.exports, "built", None)
            seen["menus"] = [bool(panel.property("nnviz_export_menu"))
                             for panel in window.panels()]
            window.close()

        watcher = FirstFrame()
        app.installEventFilter(watcher)
        window.show()
        QTimer.singleShot(0, loop_running)
        app.exec()
        report(**seen)
    """, tmp_path)
    assert not set(result["modules_up"]) & set(EXPORT_MACHINERY)
    assert all(text in result["actions"] for text in EXPORT_ACTIONS), result["actions"]
    assert result["built"] is True
    assert result["menus"] and all(result["menus"])


@pytest.fixture
def bare_window(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    return window


def test_the_export_hooks_build_on_first_use(bare_window):
    """Before anything asks, nothing is built: reading a run's curves says "none yet" and
    installing menus waits; the first use builds it all and installs the panels' menus."""
    from export_fakes import LossStandIn

    from nnviz.app.window_exports import WindowExports

    panels = [LossStandIn()]
    hooks = WindowExports(bare_window, panels=lambda: panels)
    hooks.install(panels)
    assert not hooks.built
    assert hooks.curves_for(1) is None and not hooks.built
    assert [action.text() for action in hooks.actions] == EXPORT_ACTIONS
    assert hooks.runs.current() is None  # first use
    assert hooks.built and panels[0].property("nnviz_export_menu")
    exports = hooks.exports
    hooks.build()  # once only
    assert hooks.exports is exports
    hooks.shutdown()


def test_a_snapshot_builds_the_machinery_and_reaches_the_run_store(bare_window):
    from nnviz.app.window_exports import WindowExports
    from nnviz.cli import resolve_config
    from nnviz.session import train

    hooks = WindowExports(bare_window, panels=list)
    scenario, config, _ = resolve_config("moons", None, ["n_samples=60"])
    snapshot = next(iter(train(scenario.create_session(config), max_steps=1, every=1)))
    hooks.on_snapshot(snapshot)
    assert hooks.built
    assert hooks.runs.current() is not None and hooks.runs.current().run_id == snapshot.run_id
    hooks.shutdown()


def test_a_preset_resolves_importing_only_its_scenario(tmp_path):
    """The window (``resolve_target``), ``nnviz <preset>`` (``check_target``) and ``nnviz run
    <preset>`` (``resolve_config``) read the preset's own file and import its scenario's
    module, not every scenario's."""
    result = run_fresh(f"""
        import sys
        from nnviz.app.picker import resolve_target
        from nnviz.cli import check_target, resolve_config

        seen = {{}}
        target = resolve_target({MOONS_PRESET!r})
        check_target({MOONS_PRESET!r})
        check_target("moons")
        scenario, config, preset = resolve_config({MOONS_PRESET!r}, None, [])
        seen["names"] = [target.scenario.name, scenario.name, preset.name]
        report(**seen)
    """, tmp_path)
    assert result["names"] == ["moons", "moons", MOONS_PRESET]
    loaded = set(result["modules"]) & set(SCENARIO_HOMES.values())
    assert loaded == {"nnviz.scenarios.moons"}


def test_a_broken_preset_file_says_what_is_wrong_when_opened(tmp_path, monkeypatch):
    """Opening a shipped preset reads its file alone, so a broken one is reported by its own
    fault (before, every preset was read and a broken one was called unknown)."""
    import nnviz.app.picker as picker
    import nnviz.scenarios.presets as presets

    (tmp_path / "broken.toml").write_text('scenario = "moons"\n[values]\nlearning_rate = -1\n')
    (tmp_path / "fine.toml").write_text('scenario = "moons"\n[values]\nlearning_rate = 0.5\n')
    monkeypatch.setattr(presets, "presets_dir", lambda: tmp_path)
    monkeypatch.setattr(picker, "presets_dir", lambda: tmp_path, raising=False)
    assert picker.resolve_target("fine").config().learning_rate == 0.5
    with pytest.raises(presets.PresetError, match="learning_rate"):
        picker.resolve_target("broken")
    with pytest.raises(KeyError, match="presets: broken, fine"):
        picker.resolve_target("missing")


def test_opening_moons_imports_no_training_code(tmp_path):
    """The window shows and edits the config; the worker process trains. Opening moons and
    making its default config loads none of the session's modules (~30 ms at start-up)."""
    result = run_fresh("""
        from nnviz.scenarios.registry import get_scenario
        get_scenario("moons").default_config()
        report()
    """, tmp_path)
    training = {"nnviz.scenarios.mlp_training", "nnviz.scenarios.trainer",
                "nnviz.scenarios.torch_sessions", "nnviz.core.mlp", "nnviz.core.views"}
    assert not training & set(result["modules"])
