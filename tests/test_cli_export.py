"""``nnviz export``: headless figures of every panel, checked by opening them."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from nnviz.cli import EXIT_BAD_INPUT, main
from nnviz.io.files import ExportError, check_writable_folder
from nnviz.scenarios.registry import get_scenario

SMALL = ["--set", "n_samples=100", "--set", "grid_resolution=40"]


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def moons_panels(qapp):
    return get_scenario("moons").panels


def _png_size_and_spread(path: Path) -> tuple[tuple[int, int], float]:
    from PySide6.QtGui import QImage

    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGBA8888)
    data = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    pixels = data.reshape(image.height(), image.bytesPerLine())[:, :image.width() * 4]
    return (image.width(), image.height()), float(pixels.std())


def test_export_writes_every_panel_with_its_sidecar(moons_panels, tmp_path):
    out = tmp_path / "figures"
    code, stdout, err = run("export", "moons", "--steps", "60", *SMALL, "--out", str(out),
                            "--size", "640x480")
    assert code == 0, err
    written = [Path(line) for line in stdout.splitlines()]
    assert written and all(p.exists() for p in written)
    for kind in moons_panels:
        stem = f"moons-60-{kind.replace('_', '-')}"
        png = out / f"{stem}.png"
        size, spread = _png_size_and_spread(png)
        assert size == (640, 480), kind
        assert spread > 5, f"{png.name} is blank"
        root = ET.parse(out / f"{stem}.svg").getroot()
        assert root.tag.endswith("svg")
        assert list(root.iter()), kind
        sidecar = json.loads((out / f"{stem}.json").read_text())
        assert sidecar["scenario"] == "moons" and sidecar["step"] == 60
        assert sidecar["panel"] == kind.replace("_", "-")
        assert sidecar["hyperparameters"]["n_samples"] == 100
        for name in sidecar["files"]:
            assert (out / name).exists()
        for table in out.glob(f"{stem}*.csv"):
            rows = list(csv.reader(table.read_text().splitlines()))
            assert len(rows) > 1 and len({len(r) for r in rows}) == 1, table.name


def test_the_loss_csv_is_the_trained_curve(moons_panels, tmp_path):
    code, _, err = run("export", "moons", "--steps", "40", *SMALL, "--out", str(tmp_path),
                       "--format", "csv")
    assert code == 0, err
    assert not list(tmp_path.glob("*.png")) and not list(tmp_path.glob("*.svg"))
    tables = sorted(tmp_path.glob("moons-40-loss*.csv"))
    assert tables
    rows = list(csv.reader(tables[0].read_text().splitlines()))
    header = rows[0]
    assert "step" in header
    steps = [float(r[header.index("step")]) for r in rows[1:]]
    assert max(steps) == 40 and steps == sorted(steps)


def test_the_sidecar_reproduces_the_run(moons_panels, tmp_path):
    code, _, err = run("export", "moons", "--steps", "50", *SMALL, "--set",
                       "learning_rate=0.05", "--out", str(tmp_path), "--format", "csv")
    assert code == 0, err
    sidecar = json.loads(next(tmp_path.glob("*.json")).read_text())
    argv = sidecar["command"].split()[1:]
    assert argv[0] == "run"
    code, stdout, err = run(*argv, "--json")
    assert code == 0, err
    final = json.loads(stdout.splitlines()[-1])
    assert final["step"] == 50
    for key, value in sidecar["metrics"].items():
        assert final[key] == pytest.approx(value, rel=0, abs=0), key


@pytest.mark.parametrize("argv, message", [
    (["--format", "png,pdf"], "unknown format pdf; accepted: png, svg, csv"),
    (["--format", ","], "unknown format (none)"),
    (["--size", "big"], "expected WIDTHxHEIGHT"),
    (["--scale", "0"], "--scale 0: accepted from 0.25 to 8"),
    (["--set", "learning_rate=-1"], "learning_rate"),
])
def test_bad_input_exits_2_with_one_clear_line(tmp_path, argv, message):
    code, stdout, err = run("export", "moons", "--steps", "5", "--out", str(tmp_path / "o"),
                            *argv)
    assert code == EXIT_BAD_INPUT
    assert message in err and err.count("\n") == 1 and stdout == ""


def test_an_unwritable_folder_exits_2_before_training(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, _, err = run("export", "moons", "--steps", "5", "--out", str(blocker / "figures"))
    assert code == EXIT_BAD_INPUT
    assert "--out:" in err and "cannot create folder" in err
    code, _, err = run("export", "moons", "--steps", "5", "--out", str(blocker))
    assert code == EXIT_BAD_INPUT and "not a folder" in err


def test_export_needs_an_out_folder():
    code, _, err = run("export", "moons")
    assert code == EXIT_BAD_INPUT and "--out" in err


@pytest.mark.parametrize("folder", ["", "  "])
def test_an_empty_out_folder_is_refused_not_taken_as_the_current_one(tmp_path, monkeypatch,
                                                                     folder):
    monkeypatch.chdir(tmp_path)
    code, stdout, err = run("export", "moons", "--steps", "2", "--format", "csv",
                            "--out", folder)
    assert code == EXIT_BAD_INPUT and stdout == ""
    assert "argument --out: it is empty" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_writers_refuse_an_empty_folder_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ExportError, match="no folder given"):
        check_writable_folder(" ")
    assert list(tmp_path.iterdir()) == []


def test_without_a_display_the_command_goes_offscreen(tmp_path):
    """A fresh process with no DISPLAY and no QT_QPA_PLATFORM must not try to open a window."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    script = (
        "import sys; "
        "from nnviz.cli import main; "
        "code = main(sys.argv[1:]); import os; "
        "print('platform', os.environ.get('QT_QPA_PLATFORM')); sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "export", "moons", "--steps", "10", *SMALL,
         "--out", str(tmp_path), "--format", "png", "--size", "320x240"],
        capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "platform offscreen" in result.stdout
    assert len(list(tmp_path.glob("*.png"))) == len(get_scenario("moons").panels)


# -- the history a person would have seen -----------------------------------------------------

def test_views_are_computed_along_a_run_whose_views_keep_a_history():
    from nnviz.cli_export import VIEW_POINTS, train_for_export

    scenario = get_scenario("moons")
    config = scenario.default_config().with_values({"n_samples": 100, "grid_resolution": 40})
    snapshots = train_for_export(scenario.create_session(config), 400)
    viewed = [s for s in snapshots if s.views]
    assert VIEW_POINTS <= len(viewed) <= VIEW_POINTS + 3
    assert viewed[0].step == 0 and viewed[-1] is snapshots[-1] and snapshots[-1].step == 400
    history = snapshots[-1].views["histograms"].history
    assert len(history) >= VIEW_POINTS
    gaps = np.diff(history.steps)
    assert gaps.max() <= 2 * 400 / VIEW_POINTS  # spread evenly over the run
    assert len(snapshots) > len(viewed)  # curves still get every traced snapshot


def test_views_without_a_history_are_computed_at_the_start_and_the_end_only():
    from nnviz.cli_export import train_for_export, views_keep_history

    scenario = get_scenario("init")
    snapshots = train_for_export(scenario.create_session(scenario.default_config()), 12)
    assert not views_keep_history(snapshots[-1].views)
    assert [s.step for s in snapshots if s.views] == [0, 12]


def _csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(path.read_text().splitlines()))[1:]


def test_exported_histories_are_the_runs_not_one_point(qapp, tmp_path):
    code, _, err = run("export", "moons", "--steps", "300", *SMALL, "--out", str(tmp_path),
                       "--format", "csv")
    assert code == 0, err
    distribution = next(tmp_path.glob("moons-300-histograms*-distribution.csv"))
    norms = next(tmp_path.glob("moons-300-layer-health*-gradient?norms.csv"))
    for table in (distribution, norms):
        steps = [float(row[0]) for row in _csv_rows(table)]
        assert len(steps) > 20, table.name
        assert steps[0] == 0 and steps[-1] == 300 and steps == sorted(steps)


def test_a_race_that_ends_early_feeds_its_curves_over_its_real_length():
    """The race stops at step 100 of its 20,000 default steps: its curves get points along
    those 100 steps, not one point every 100 steps (a single dot per racer)."""
    from nnviz.cli_export import train_for_export

    scenario = get_scenario("race")
    snapshots = train_for_export(scenario.create_session(scenario.default_config()),
                                 scenario.default_steps)
    assert snapshots[-1].step < scenario.default_steps  # it finished by itself
    assert len(snapshots) > 50
