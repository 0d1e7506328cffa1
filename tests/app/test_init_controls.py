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


# -- the histogram panel: a point mass and f'(z) -------------------------------------------

EVERY_INITIALISER = ("standard_normal", "inv_sqrt_fan_in", "xavier", "he", "zeros")


def init_panel(qtbot, initializers=EVERY_INITIALISER):
    from nnviz.app.panels.init_histogram import InitHistogramPanel
    from nnviz.scenarios.registry import get_scenario
    from nnviz.session import train

    scenario = get_scenario("init")
    config = scenario.default_config().with_values({"initializers": initializers})
    final = list(train(scenario.create_session(config), max_steps=5, every=5))[-1]
    panel = InitHistogramPanel()
    qtbot.addWidget(panel)
    panel.resize(800, 560)
    panel.show()
    panel.show_snapshot(final)
    qtbot.wait(20)
    return panel


def test_the_zeros_spike_is_a_line_that_does_not_set_the_density_axis(qtbot):
    from nnviz.app.panels.init_histogram import describe, is_point_mass

    panel = init_panel(qtbot)
    zeros = next(s for s in panel.view_data.stats if s.name == "zeros")
    assert is_point_mass(zeros)
    assert not any(is_point_mass(s) for s in panel.view_data.stats if s.name != "zeros")
    spike = panel.spikes["zeros"]
    assert spike.isVisible() and spike.value() == 0.0
    assert "every unit at z = 0" in describe(zeros)
    # the narrowest real histograms (xavier, he) peak near 0.35: the axis is theirs, not the
    # spike's 1 / bin width
    tallest = max(float(panel.view_data.density(s).max()) for s in panel.view_data.stats
                  if s.name != "zeros")
    top = panel.plot.vb.viewRange()[1][1]
    assert tallest <= top < 2 * tallest


def test_colours_are_distinct_and_f_prime_is_drawn_over_the_histograms(qtbot):
    from PySide6.QtCore import Qt

    from nnviz.app.panels.init_histogram import DERIVATIVE_COLOR, INIT_COLORS
    from nnviz.core.initializers import INITIALIZERS

    assert set(INIT_COLORS) == set(INITIALIZERS)
    colours = [*INIT_COLORS.values(), DERIVATIVE_COLOR]
    assert len(set(colours)) == len(colours)
    # "distinct" for a reader: no two colours closer than a clearly visible step
    for i, a in enumerate(colours):
        for b in colours[i + 1:]:
            assert sum(abs(x - y) for x, y in zip(a, b, strict=True)) > 120, (a, b)
    panel = init_panel(qtbot)
    stacked = panel.view.scene().items(Qt.SortOrder.DescendingOrder)  # topmost first
    derivative = stacked.index(panel.derivative_curve)
    for curve in panel.curves.values():
        assert derivative < stacked.index(curve)


def test_f_prime_and_density_share_their_zero_line(qtbot):
    panel = init_panel(qtbot)
    vb, box = panel.plot.vb, panel.derivative_box
    zero_density = vb.mapViewToScene(pg_point(0.0, 0.0)).y()
    zero_derivative = box.mapViewToScene(pg_point(0.0, 0.0)).y()
    assert abs(zero_density - zero_derivative) < 1.0


def pg_point(x: float, y: float):
    from PySide6.QtCore import QPointF

    return QPointF(x, y)
