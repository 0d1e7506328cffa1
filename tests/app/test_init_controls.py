"""The init scenario's controls: the initialisers as check boxes (a ``multi_choice`` param)."""

from __future__ import annotations

from nnviz.app.controls import make_editor
from nnviz.app.controls.editors import MultiChoiceEditor
from nnviz.scenarios.init_experiment import InitConfig


def test_multi_choice_editor_emits_checked_names_and_refuses_none(qtbot):
    editor = make_editor(InitConfig.param("initializers"))
    qtbot.addWidget(editor)
    assert editor.value() == ("standard_normal", "inv_sqrt_fan_in")
    assert [n for n, c in editor.checks.items() if c.isChecked()] == list(editor.value())
    with qtbot.waitSignal(editor.edited) as blocker:
        editor.checks["xavier"].click()
    assert blocker.args == [("standard_normal", "inv_sqrt_fan_in", "xavier")]
    editor.set_value(("he",))
    assert editor.value() == ("he",)
    with qtbot.assertNotEmitted(editor.edited):
        editor.checks["he"].click()  # the last one: at least one initialiser is needed
    assert editor.checks["he"].isChecked() and editor.value() == ("he",)


def test_window_runs_the_init_scenario_and_restarts_on_a_new_initialiser(
        qtbot, app_settings, wait_for_step, tmp_path):
    from nnviz.app.window import MainWindow

    window = MainWindow("init", settings=app_settings)
    qtbot.addWidget(window)
    window.resize(1200, 760)
    window.show()
    try:
        window.runner.run()
        wait_for_step(window, 3)
        panel = next(p for p in window.panels() if p.kind == "init_histogram")
        qtbot.waitUntil(lambda: panel.view_data is not None, timeout=5000)
        assert list(panel.curves) == ["standard_normal", "inv_sqrt_fan_in"]
        editor = window.findChild(MultiChoiceEditor, "editor-initializers")
        editor.checks["he"].click()
        qtbot.waitUntil(lambda: list(panel.curves) == ["standard_normal", "inv_sqrt_fan_in",
                                                       "he"], timeout=10_000)
        window.grab().save(str(tmp_path / "init-window.png"))
        assert (tmp_path / "init-window.png").stat().st_size > 10_000
    finally:
        window.close()
