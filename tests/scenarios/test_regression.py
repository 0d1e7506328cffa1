"""The regression scenario: it fits a noisy sine from the command line, reports MSE and R²,
computes its views only when asked, reads a data file's columns, and refuses bad values in
one line."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from nnviz.cli import EXIT_BAD_INPUT, main
from nnviz.core.regression_views import RegressionView
from nnviz.data.table_file import TableFileError
from nnviz.io.wire import decode_message, encode_message
from nnviz.scenarios.presets import all_presets
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train


def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def session_of(**values):
    scenario = get_scenario("regression")
    return scenario.build(scenario.default_config().with_values(values))


def final_metrics(config, steps):
    session = get_scenario("regression").build(config)
    *_, last = train(session, max_steps=steps, every=steps, views=False)
    return last.metrics


def test_nnviz_run_regression_fits_a_noisy_sine():
    code, out, err = run_cli("run", "regression", "--steps", "3000", "--every", "3000",
                             "--json")
    assert code == 0, err
    report = json.loads(out.splitlines()[-1])
    for key in ("train_mse", "test_mse", "test_r2", "train_r2"):
        assert key in report
    assert report["test_r2"] >= 0.95
    assert report["test_mse"] < 0.05
    assert "train_accuracy" not in report  # a regression has no accuracy


def test_huber_reports_its_own_loss_beside_the_mse():
    metrics = final_metrics(get_scenario("regression").default_config().with_values(
        {"output": "huber", "huber_delta": 0.5}), 300)
    assert {"train_loss", "test_loss", "train_mse", "test_mse"} <= set(metrics)
    # the residuals of a good fit lie within δ, where Huber's loss is half the squared error
    assert metrics["train_loss"] == pytest.approx(metrics["train_mse"] / 2, rel=0.2)


@pytest.mark.parametrize(
    ("assignment", "fragment"),
    [("target=sinus", "one of sine"),
     ("huber_delta=0", "must be > 0"),
     ("huber_delta=-1", "below the minimum"),
     ("output=l1", "one of mse, huber"),
     ("backend=torch", "accepted: one of numpy"),
     ("target=file", "no data file chosen")],
)
def test_bad_values_exit_2_with_one_clear_line(assignment, fragment):
    code, _, err = run_cli("run", "regression", "--steps", "1", "--set", assignment)
    assert code == EXIT_BAD_INPUT
    assert len(err.strip().splitlines()) == 1
    assert fragment in err


def test_views_are_computed_only_when_asked_for():
    session = session_of()
    session.train_step()
    assert session.views(()) == {}
    assert set(session.views({"regression_fit"})) == {"regression_fit"}
    assert set(session.views()) == {"regression_fit", "network", "histograms"}


def test_one_input_draws_a_curve_with_each_unit_s_share():
    session = session_of(hidden_sizes=(5,))
    for _ in range(20):
        session.train_step()
    view = session.views({"regression_fit"})["regression_fit"]
    assert isinstance(view, RegressionView) and view.surface is None
    curve = view.curve
    assert curve.contributions.shape == (5, len(curve.xs))
    assert np.allclose(curve.output_bias + curve.contributions.sum(axis=0), curve.predictions,
                       atol=1e-4)
    # the curve is the network's own prediction at those inputs
    predicted = session.predict(curve.xs[:, None].astype(np.float32))[0][:, 0]
    assert np.allclose(predicted, curve.predictions, atol=1e-5)
    assert curve.xs.min() < session.train_x.min() and curve.xs.max() > session.train_x.max()


def test_a_deeper_network_says_why_it_has_no_overlay():
    view = session_of(hidden_sizes=(4, 4)).regression_fit()
    assert view.curve.contributions.shape[0] == 0
    assert "one hidden layer" in view.curve.overlay_note


def test_two_inputs_draw_a_surface_on_the_targets_scale():
    session = session_of(target="saddle", grid_resolution=30)
    view = session.regression_fit()
    assert view.curve is None and view.surface.predictions.shape == (30, 30)
    targets = np.concatenate([session.train_y, session.test_y])
    assert view.target_range == (pytest.approx(targets.min()), pytest.approx(targets.max()))
    assert view.n_inputs == 2


def test_the_fit_view_crosses_the_process_boundary():
    session = session_of()
    view = session.regression_fit()
    frame = encode_message({"type": "views", "fit": view})
    back = decode_message(frame)["fit"]
    assert np.array_equal(back.curve.contributions, view.curve.contributions)
    assert back.title == view.title


def write_csv(path, rows, header="x,y"):
    path.write_text(header + "\n" + "\n".join(",".join(map(str, row)) for row in rows) + "\n")
    return str(path)


def test_a_data_file_s_two_columns_are_fitted(tmp_path):
    xs = np.linspace(-2, 2, 120)
    path = write_csv(tmp_path / "curve.csv", zip(xs, xs**2, strict=True), "dose,response")
    config = get_scenario("regression").default_config().with_values(
        {"target": "file", "data_file": path})
    session = get_scenario("regression").build(config)
    view = session.regression_fit()
    assert view.target_name == "y" and view.input_names == ("dose (standardized)",)
    assert len(session.train_y) + len(session.test_y) == 120
    assert final_metrics(config, 1500)["test_r2"] > 0.9


def test_the_target_column_can_be_named(tmp_path):
    path = write_csv(tmp_path / "named.csv", [(1, 2.5), (2, 3.5), (3, 1.0), (4, 0.5)],
                     "price,size")
    session = session_of(target="file", data_file=path, target_column="price",
                         test_fraction=0.0)
    assert sorted(session.train_y.tolist()) == [1, 2, 3, 4]
    assert session.regression_fit().target_name == "price"


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [([(1, 2), (2, "big"), (3, 4)], "row 3: target 'big' is not a number"),
     ([(1, 2), (2, "nan"), (3, 4)], "row 3: the target is not a finite"),
     ([(1, 2, 3, 4), (2, 3, 4, 5)], "3 input columns")],
)
def test_a_bad_data_file_is_refused_in_one_line(tmp_path, rows, fragment):
    header = "a,b,c,d" if len(rows[0]) == 4 else "x,y"
    path = write_csv(tmp_path / "bad.csv", rows, header)
    with pytest.raises((TableFileError, ValueError)) as error:
        session_of(target="file", data_file=path)
    assert fragment in str(error.value)
    assert "\n" not in str(error.value)


def test_a_bad_data_file_exits_2_on_the_command_line(tmp_path):
    path = write_csv(tmp_path / "bad.csv", [(1, 2), (2, "big")])
    code, _, err = run_cli("run", "regression", "--steps", "1", "--set", "target=file",
                           "--set", f"data_file={path}")
    assert code == EXIT_BAD_INPUT
    assert "bad.csv" in err and "not a number" in err


@pytest.mark.parametrize("name", ["regression-relu-kinks", "regression-saddle",
                                  "regression-step-huber"])
def test_the_presets_train(name):
    preset = all_presets()[name]
    metrics = final_metrics(preset.config(), 1500)
    assert metrics["test_r2"] > 0.5


def test_lesson_17_one_unit_cannot_follow_a_sine_and_fifty_can():
    """The lesson's claims: one relu unit bends once and explains little (test R² about 0.25;
    a dead unit, a flat line, would give 0 and show no bend), fifty fit the sine nearly as
    well as the noise allows (the noise's share of the variance is ~2%)."""
    preset = all_presets()["lesson-regression-fit-any-curve"]
    one = final_metrics(preset.config(), 5000)
    fifty = final_metrics(preset.compare_config(), 5000)
    assert 0.05 < one["train_r2"] and one["test_r2"] < 0.5
    assert fifty["test_r2"] > 0.95
    assert fifty["test_mse"] < one["test_mse"] / 10


def test_one_test_point_has_no_r2_and_is_no_divergence():
    """R² of one example is undefined: it is left out, not reported as NaN (which the loop
    would take for a divergence)."""
    metrics = final_metrics(get_scenario("regression").default_config().with_values(
        {"n_samples": 10, "test_fraction": 0.1}), 20)
    assert "test_r2" not in metrics and np.isfinite(metrics["test_mse"])
    assert np.isfinite(metrics["train_r2"])
