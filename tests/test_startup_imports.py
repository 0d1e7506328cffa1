"""Start-up imports only what the first frame needs (issue 16, item 11).

Each check that looks at ``sys.modules`` runs in a fresh interpreter: in the test process
other tests have imported everything already. ``benchmarks/bench_startup.py`` measures the
time; these tests keep the reasons for it from coming back: a heavy package imported at
module level, a registry that imports every scenario or panel module to find one, the
picker's scan of every preset before the window is on screen.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from nnviz.app.panels import PANEL_MODULES
from nnviz.app.picker import ScenarioPicker
from nnviz.scenarios.registry import SCENARIO_HOMES, all_scenarios, scenario_names

#: packages that take from a tenth of a second to several seconds to import; the default
#: scenario needs none of them, ``nnviz list`` neither
HEAVY = ("sklearn", "scipy", "torch", "torchvision", "gensim", "mlxtend", "PIL", "pandas",
         "matplotlib")

REPORT = textwrap.dedent("""
    def report(**extra):
        import json, sys
        heavy = sorted({name.split(".")[0] for name in sys.modules} & set(HEAVY))
        print(json.dumps({"heavy": heavy, "modules": sorted(sys.modules), **extra}))
""")


def run_fresh(code: str, tmp_path) -> dict:
    """Run ``code`` in a new interpreter (offscreen Qt, settings under ``tmp_path``) and
    return the JSON object its last line printed."""
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen",
                       XDG_CONFIG_HOME=str(tmp_path / "config"))
    script = f"HEAVY = {HEAVY!r}\n{REPORT}\n{textwrap.dedent(code)}"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env=environment)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_window_and_listing_import_no_heavy_package(tmp_path):
    """``nnviz list`` imports every scenario module: none may bring a heavy package along."""
    result = run_fresh("""
        import io
        import nnviz.app.window
        from nnviz.cli import main
        listing = io.StringIO()
        assert main(["list"], out=listing) == 0
        assert "moons" in listing.getvalue() and "embeddings" in listing.getvalue()
        report()
    """, tmp_path)
    assert result["heavy"] == []


def test_the_window_opens_moons_and_paints_before_the_other_scenarios_load(tmp_path):
    """Until the first frame only moons' own modules load; the picker fills just after it,
    and even then nothing heavy is imported."""
    result = run_fresh("""
        import sys
        from PySide6.QtCore import QEvent, QObject, QTimer
        from PySide6.QtWidgets import QApplication
        from nnviz.app.window import MainWindow

        app = QApplication([])
        window = MainWindow("moons")
        seen = {}

        class FirstFrame(QObject):
            def eventFilter(self, watched, event):
                if event.type() == QEvent.Type.Paint and "frame" not in seen:
                    seen["frame"] = True
                    QTimer.singleShot(0, first_frame)
                return False

        def first_frame():
            seen["at_first_frame"] = sorted(sys.modules)
            seen["entries_at_first_frame"] = window.picker.topLevelItemCount()
            QTimer.singleShot(0, settled)

        def settled():
            current = window.picker.currentItem()
            seen["selected"] = current.text(0) if current is not None else None
            window.close()

        watcher = FirstFrame()
        app.installEventFilter(watcher)
        window.show()
        app.exec()
        report(at_first_frame=seen["at_first_frame"],
               entries_at_first_frame=seen["entries_at_first_frame"],
               entries=len(window.picker.items), selected=seen["selected"])
    """, tmp_path)
    assert result["heavy"] == []
    loaded = set(result["at_first_frame"])
    assert "nnviz.scenarios.moons" in loaded
    others = set(SCENARIO_HOMES.values()) - {"nnviz.scenarios.moons"}
    assert not loaded & others, "another scenario module was imported before the first frame"
    assert not loaded & (set(PANEL_MODULES) - {f"nnviz.app.panels.{kind}" for kind in (
        "decision_boundary", "loss", "network", "histograms", "layer_health")})
    assert result["entries_at_first_frame"] == 0  # the picker filled after the frame…
    assert result["entries"] > len(SCENARIO_HOMES)  # …with every scenario and preset,
    assert result["selected"].startswith("Moons")  # moons highlighted, as before


def test_opening_one_scenario_imports_only_its_module(tmp_path):
    result = run_fresh("""
        from nnviz.scenarios.registry import get_scenario
        assert get_scenario("race").name == "race"
        report()
    """, tmp_path)
    loaded = set(result["modules"])
    assert "nnviz.scenarios.race" in loaded
    assert not loaded & (set(SCENARIO_HOMES.values()) - {"nnviz.scenarios.race"})


def test_the_registry_says_where_each_scenario_lives():
    """``SCENARIO_HOMES`` lists every scenario, in picker order, at the module that
    registers it: a scenario missing there would still open, but by importing them all."""
    scenarios = all_scenarios()
    assert list(scenarios) == list(SCENARIO_HOMES) == scenario_names()
    for name, scenario in scenarios.items():
        home = vars(sys.modules[SCENARIO_HOMES[name]]).values()
        assert any(value is scenario for value in home), f"{name} is not registered there"


def test_panel_classes_imports_a_kinds_own_module_and_falls_back_to_all(tmp_path):
    result = run_fresh("""
        import sys
        from nnviz.app.panels import panel_classes
        assert list(panel_classes(["loss", "network"])) == ["loss", "network"]
        own_modules = sorted(sys.modules)
        assert list(panel_classes(["not_a_panel_kind", "loss"])) == ["loss"]
        report(own_modules=own_modules)
    """, tmp_path)
    loaded = set(result["own_modules"]) & set(PANEL_MODULES)
    assert loaded == {"nnviz.app.panels.loss", "nnviz.app.panels.network"}
    assert set(PANEL_MODULES) <= set(result["modules"])  # an unknown kind looked everywhere


def test_a_deferred_picker_fills_when_first_painted_or_read(qtbot):
    picker = ScenarioPicker(fill_after_first_paint=True)
    qtbot.addWidget(picker)
    assert picker.topLevelItemCount() == 0
    picker.select("race")  # as the window does before the list exists
    picker.show()
    qtbot.waitUntil(lambda: picker.topLevelItemCount() > 0)
    assert picker.currentItem() is picker.items["race"]

    read_first = ScenarioPicker(fill_after_first_paint=True)
    qtbot.addWidget(read_first)
    assert "moons" in read_first.items and read_first.topLevelItemCount() > 0


@pytest.mark.parametrize("name", ["moons", "digits_cnn", "init"])
def test_a_scenario_name_resolves_without_reading_presets(name, monkeypatch):
    import nnviz.app.picker as picker_module

    def no_presets():
        raise AssertionError("a scenario's name read every preset")

    monkeypatch.setattr(picker_module, "usable_presets", no_presets)
    assert picker_module.resolve_target(name).scenario.name == name


def test_the_startup_benchmark_times_both_windows(capsys):
    """``benchmarks/bench_startup.py --json`` (one process each): three ordered moments per
    window, and the ratio it reports is the loop-running one."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_startup.py"
    spec = importlib.util.spec_from_file_location("bench_startup", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--repeat", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for window in ("nnviz", "bare"):
        moments = [result[f"{window}_{moment}_s"] for moment in bench.MOMENTS]
        assert 0 < moments[0] <= moments[1] <= moments[2] < 60
    assert result["ratio"] == result["loop_running_ratio"] > 0
