"""The optimiser race: fairness, Newton on the convex problem, presets, racers, views, CLI."""

from __future__ import annotations

import io
import json
import time
from unittest import mock

import numpy as np
import pytest

from nnviz.cli import main
from nnviz.core.logistic import logistic_gradient
from nnviz.core.loss_surface import LossSurface, unflatten
from nnviz.core.racers import RacerSpecError, format_racers, parse_racers
from nnviz.data.batches import IndexedBatches
from nnviz.scenarios import race
from nnviz.scenarios.params import ParamError
from nnviz.scenarios.presets import find_preset
from nnviz.scenarios.race import RaceConfig, RaceSession, RaceView
from nnviz.scenarios.race_history import CurveHistory
from nnviz.scenarios.race_surface import batched_losses
from nnviz.scenarios.registry import get_scenario
from nnviz.session import Mailbox, train

ALL_FIRST_ORDER = ("gd lr=0.5; sgd lr=0.1 batch=50; momentum lr=0.2; nesterov lr=0.2; "
                   "adagrad lr=0.5; rmsprop lr=0.01; adam lr=0.05")


def run(session: RaceSession, steps: int) -> RaceSession:
    for _ in range(steps):
        session.train_step()
    return session


def mlp_config(**values) -> RaceConfig:
    base = {"problem": "mlp", "dataset": "moons", "n_samples": 400, "hidden_sizes": (6,),
            "epochs": 0.0}
    return RaceConfig().with_values(base | values)


# -- fairness -------------------------------------------------------------------------------------
@pytest.mark.parametrize("config", [
    RaceConfig().with_values({"racers": ALL_FIRST_ORDER + "; newton"}),
    mlp_config(racers=ALL_FIRST_ORDER),
], ids=["logistic", "mlp"])
def test_every_racer_starts_from_the_same_weights(config):
    session = RaceSession(config)
    assert len(session.racers) == 8 if config.problem == "logistic" else 7
    first = session.racers[0].model.params
    for racer in session.racers:
        for mine, theirs in zip(racer.model.params, first, strict=True):
            np.testing.assert_array_equal(mine, theirs)
        if racer is not session.racers[0]:
            assert not np.shares_memory(racer.model.params[0], first[0]), "own weights"
    losses = {r.curve.rows[0, 3] for r in session.racers}
    assert len(losses) == 1
    again = RaceSession(config)
    np.testing.assert_array_equal(again.racers[3].model.params[0], first[0])


def test_same_batch_size_means_the_same_batches():
    stream = IndexedBatches(np.arange(103.0)[:, None], np.arange(103), seed=4)
    other = IndexedBatches(np.arange(103.0)[:, None], np.arange(103), seed=4)
    epoch = np.concatenate([stream.indices(10, k) for k in range(10)])
    assert sorted(epoch) == sorted(set(epoch)) and len(epoch) == 100  # a permutation, no repeats
    np.testing.assert_array_equal(stream.indices(10, 17), other.indices(10, 17))
    assert not np.array_equal(stream.indices(10, 10), stream.indices(10, 0)), "a new epoch"
    assert not np.array_equal(stream.indices(20, 0)[:10], stream.indices(10, 0))
    assert stream.indices(0, 5) is None and stream.indices(500, 0) is None


def test_twins_with_the_same_settings_stay_identical_even_when_one_joins_late():
    config = mlp_config(racers="momentum lr=0.1 batch=20; sgd lr=0.3 batch=20")
    session = run(RaceSession(config), 30)
    mailbox = Mailbox()
    session.apply_live({"racers": config.racers + "; momentum name=late lr=0.1 batch=20"})
    late = session.racer("late")
    assert late.updates == 0
    for _ in range(30):
        session.train_step()
    twin = RaceSession(config)
    run(twin, 30)
    np.testing.assert_allclose(late.model.flat_params, twin.racer("momentum").model.flat_params)
    assert mailbox.take_changes() == {}


def test_each_racer_has_its_own_clock():
    session = run(RaceSession(mlp_config(racers="gd lr=0.5; sgd lr=0.5 batch=10")), 20)
    gd, sgd = session.racers
    assert gd.compute_seconds > 0 and sgd.compute_seconds > 0
    assert gd.updates == sgd.updates == 20
    rows = gd.curve.rows
    assert rows[-1, 0] == 19 and rows[-1, 1] == pytest.approx(19.0)  # loss before update 20
    assert rows[0, 2] == 0.0 and rows[1, 2] > 0.0 and (np.diff(rows[:, 2]) > 0).all()
    assert rows[-1, 2] < gd.compute_seconds, "a loss is stamped with the clock before its update"
    assert rows[0, 4] == 0.0 and (np.diff(rows[:, 4]) > 0).all()
    assert rows[-1, 4] < gd.wall_seconds
    assert session.racer_epoch(sgd) == pytest.approx(200 / 400)  # 400 points, no test split


class TickingClock:
    """Stands in for the race's ``time`` module: each reading is a microsecond after the last,
    and ``advance`` stands for slow work, so a test knows what each clock must show."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 1e-6
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_the_wall_clock_counts_loss_evaluations_and_the_compute_clock_does_not():
    clock = TickingClock()
    with mock.patch.object(race, "time", clock):
        session = RaceSession(mlp_config(racers="gd lr=0.5; sgd lr=0.5 batch=10",
                                         eval_every=2))
        for racer in session.racers:  # a training-set loss takes a (fake) second
            evaluate = racer.model.loss
            racer.model.loss = (lambda *args, _evaluate=evaluate, **kwargs:
                                (clock.advance(1.0), _evaluate(*args, **kwargs))[1])
        run(session, 10)
        gd, sgd = session.racers
        assert sgd.compute_seconds < 0.01 and 5.0 < sgd.wall_seconds < 5.01  # 5 evaluations
        assert gd.compute_seconds < 0.01 and gd.wall_seconds < 0.01, "its loss is free"
        # each loss is stamped before its own evaluation, after the earlier ones
        np.testing.assert_array_equal(np.floor(sgd.curve.rows[1:, 4]), [0, 1, 2, 3, 4])
        assert (sgd.curve.rows[:, 2] < 0.01).all()
        session.metrics(), session.views()  # snapshots are on no racer's clock
        assert 5.0 < sgd.wall_seconds < 5.01
    metrics = session.metrics()
    for racer in session.racers:
        assert metrics[f"compute_seconds/{racer.name}"] == racer.compute_seconds
        assert metrics[f"wall_seconds/{racer.name}"] == racer.wall_seconds


def test_compute_time_never_exceeds_wall_time():
    session = run(RaceSession(mlp_config(racers=ALL_FIRST_ORDER, epochs=3.0,
                                         target_loss=0.6)), 40)
    for racer in session.racers:
        assert 0 < racer.compute_seconds <= racer.wall_seconds, racer.name
    for row in session.race_view().racers:
        assert row.compute_seconds <= row.wall_seconds
        assert row.finish is None or row.finish.compute_seconds <= row.finish.wall_seconds


# -- Newton and the convex problem ----------------------------------------------------------------
def test_newton_converges_in_a_few_iterations_to_sklearns_solution():
    sklearn = pytest.importorskip("sklearn.linear_model")
    session = run(RaceSession(RaceConfig().with_values({"racers": "gd lr=1; newton",
                                                         "epochs": 8})), 8)
    newton = session.racer("newton")
    theta = np.concatenate([newton.model.params[0][:, 0], newton.model.params[1]])
    assert np.linalg.norm(logistic_gradient(theta, session.design, session.train_y)) < 1e-8
    reference = sklearn.LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000)
    reference.fit(session.train_x, session.train_y)
    np.testing.assert_allclose(theta, [*reference.coef_[0], reference.intercept_[0]],
                               rtol=1e-4, atol=1e-5)
    gd = session.racer("gd")
    assert gd.loss > newton.loss + 1e-3, "eight steps of gradient descent are not enough"
    assert session.finished


def test_the_newton_preset_finishes_newton_first():
    config = find_preset("race-newton-vs-gd").config().with_values({"pace": 0.0})  # not watched
    snapshots = list(train(RaceSession(config), every=5, views=True))
    assert snapshots[-1].final and snapshots[-1].step == 20
    view: RaceView = snapshots[-1].views["race"]
    rows = {r.name: r for r in view.racers}
    assert rows["newton"].finish is not None and rows["newton"].finish.updates <= 6
    assert rows["gd"].finish is None or rows["gd"].finish.updates > 10


def test_pure_newton_diverges_from_the_default_start_and_the_race_goes_on():
    session = run(RaceSession(RaceConfig().with_values(
        {"racers": "gd lr=1; newton search=0"})), 10)
    newton, gd = session.racer("newton"), session.racer("gd")
    assert newton.status == "diverged" and newton.diverged_at is not None
    assert gd.status == "running" and gd.updates == 10
    metrics = session.metrics()
    assert metrics["diverged/newton"] == 1.0 and np.isfinite(metrics["loss/newton"])


def test_newton_is_refused_on_the_mlp_by_name():
    with pytest.raises(ParamError, match=r"racer 2 \(newton\).*problem=logistic"):
        mlp_config(racers="gd; newton")


# -- presets --------------------------------------------------------------------------------------
def test_momentum_reaches_the_target_in_fewer_epochs_than_plain_sgd_on_its_preset():
    preset = find_preset("race-momentum")
    session = RaceSession(preset.config())
    for _ in train(session, every=10_000, views=False):
        pass
    view = session.race_view()
    rows = {r.name: r for r in view.racers}
    assert rows["momentum"].finish is not None
    sgd_finish = rows["sgd"].finish
    assert sgd_finish is None or sgd_finish.epoch > rows["momentum"].finish.epoch
    assert rows["momentum"].loss < rows["sgd"].loss


def test_batch_against_minibatch_preset_scaled_down():
    preset = find_preset("race-batch-vs-minibatch")
    assert preset.config().n_samples == 100_000
    config = preset.config().with_values({"n_samples": 5000, "racers":
                                          "gd lr=1 epochs=20; sgd lr=1 batch=250 epochs=1"})
    session = RaceSession(config)
    snapshots = list(train(session, every=100, views=False))
    assert snapshots[-1].step == 20
    gd, sgd = session.racers
    assert gd.updates == sgd.updates == 20
    assert session.racer_epoch(gd) == 20 and session.racer_epoch(sgd) == pytest.approx(1.0)
    assert sgd.compute_seconds < gd.compute_seconds, "250 points cost less than all 5000"


def test_step_decay_preset_cuts_the_rate_at_epoch_150():
    config = find_preset("race-step-decay").config().with_values({"epochs": 151.0})
    session = RaceSession(config)
    for _ in train(session, every=100_000, views=False):
        pass
    metrics = session.metrics()
    assert metrics["learning_rate/sgd"] == 4.0
    assert metrics["learning_rate/sgd-step"] == pytest.approx(0.4)
    sgd, stepped = session.racers
    before_cut = sgd.curve.rows[:, 1] < 150  # twins until epoch 150: same batches, same steps
    np.testing.assert_array_equal(sgd.curve.rows[before_cut][:, [0, 1, 3]],
                                  stepped.curve.rows[before_cut][:, [0, 1, 3]])
    assert stepped.loss < sgd.loss, "after the cut the stepped racer sits below the plateau"


# -- live changes ---------------------------------------------------------------------------------
def test_live_edits_retune_add_and_remove_racers():
    session = run(RaceSession(RaceConfig().with_values({"racers": "gd lr=0.5; adam lr=0.1"})), 5)
    gd_weights = session.racer("gd").model.copy_params()
    session.apply_live({"racers": "gd lr=0.01; momentum lr=0.2"})
    assert session.names == ["gd", "momentum"]
    gd = session.racer("gd")
    np.testing.assert_array_equal(gd.model.params[0], gd_weights[0])
    assert gd.spec.learning_rate == 0.01 and gd.updates == 5
    assert session.racer("momentum").updates == 0
    with pytest.raises(KeyError, match="no racer named 'adam'"):
        session.racer("adam")
    with pytest.raises(RacerSpecError, match="racer 1"):
        session.apply_live({"racers": "gd lr=oops"})


def test_the_race_ends_when_every_racer_is_done_and_resumes_with_a_bigger_budget():
    session = RaceSession(RaceConfig().with_values({"racers": "gd; adam epochs=3",
                                                    "epochs": 5}))
    snapshots = list(train(session, max_steps=100, every=1, views=False))
    assert snapshots[-1].step == 5 and session.finished
    assert session.racer("adam").updates == 3 and session.racer("gd").updates == 5
    session.apply_live({"epochs": 7.0})
    assert not session.finished
    run(session, 2)
    assert session.racer("gd").updates == 7 and session.racer("adam").updates == 3


def test_pace_slows_the_loop_down_without_charging_the_racers():
    session = RaceSession(RaceConfig().with_values({"racers": "gd", "pace": 50.0}))
    started = time.perf_counter()
    run(session, 6)
    assert time.perf_counter() - started >= 5 / 50 * 0.9
    assert session.racer("gd").wall_seconds < 0.05


# -- racers line ----------------------------------------------------------------------------------
def test_racers_line_round_trips_and_names_duplicates():
    specs = parse_racers("gd lr=0.1; momentum lr=0.1 momentum=0.9 batch=500\nmomentum; newton "
                         "search=0; adam beta1=0.8 eps=1e-6 schedule=step every=3 factor=0.5")
    assert [s.name for s in specs] == ["gd", "momentum", "momentum-2", "newton", "adam"]
    assert specs[1].batch_size == 500 and specs[2].batch_size == 0
    assert parse_racers("sgd")[0].batch_size == 32
    assert not specs[3].line_search and specs[4].schedule == "step"
    assert parse_racers(format_racers(specs)) == specs
    assert "γ=0.9" in specs[1].settings_text() and "batch 500" in specs[1].settings_text()


@pytest.mark.parametrize(("line", "message"), [
    ("", "no racer"),
    ("gd; sprint lr=1", r"racer 2 \('sprint lr=1'\): unknown kind 'sprint'; kinds: gd"),
    ("gd momentum=0.9", r"gd has no key 'momentum'; keys: name, lr"),
    ("adam lr=fast", r"lr='fast' is not a number"),
    ("momentum momentum=1.0", r"momentum='1.0': accepted: a number ≥ 0 and < 1"),
    ("sgd batch=-5", r"batch='-5': accepted: an integer ≥ 0"),
    ("gd lr", r"'lr' is not KEY=VALUE"),
    ("gd lr=1 lr=2", r"'lr' is given twice"),
    ("gd name=a; adam name=a", r"racer 2 .*the name 'a' is taken"),
    ("gd name=two words", r"is not KEY=VALUE"),
    ("sgd schedule=cosine", r"schedule='cosine'; accepted: constant, step, exponential"),
    ("newton batch=10", r"newton has no key 'batch'"),
])
def test_racers_line_errors_name_the_racer_and_the_key(line, message):
    with pytest.raises(RacerSpecError, match=message):
        parse_racers(line)
    with pytest.raises(ParamError):
        RaceConfig().with_text({"racers": line})


# -- views ----------------------------------------------------------------------------------------
def test_logistic_surface_has_the_optimum_at_its_lowest_point_and_paths_from_the_start():
    session = run(RaceSession(RaceConfig().with_values({"racers": "gd lr=1; momentum lr=0.5"})),
                  30)
    surface: LossSurface = session.views()["loss_surface"]
    assert surface.values.shape == (64, 64) and surface.x_label == "w₁"
    x_min, x_max, y_min, y_max = surface.extent
    lowest = np.unravel_index(np.argmin(surface.values), surface.values.shape)
    w1 = np.linspace(x_min, x_max, 64)[lowest[1]]
    w2 = np.linspace(y_min, y_max, 64)[lowest[0]]
    assert np.hypot(w1 - surface.minimum[0], w2 - surface.minimum[1]) < 0.5
    for path in surface.paths.values():
        np.testing.assert_array_equal(path[0], [-1.0, -4.0])
        assert x_min <= path[:, 0].min() and path[:, 0].max() <= x_max
    again = session.views()["loss_surface"]
    assert again.revision == surface.revision, "the grid is not recomputed needlessly"


def test_mlp_surface_is_a_slice_around_the_first_racer():
    session = run(RaceSession(mlp_config(racers="gd lr=0.5; adam lr=0.05",
                                         surface_resolution=9)), 15)
    surface = session.views()["loss_surface"]
    assert surface.values.shape == (9, 9) and np.isfinite(surface.values).all()
    gd_path, adam_path = surface.paths["gd"], surface.paths["adam"]
    np.testing.assert_allclose(gd_path[-1], [0.0, 0.0], atol=1e-9)  # the slice's centre
    np.testing.assert_allclose(gd_path[0], adam_path[0])  # one start for everyone
    centre = surface.values[4, 4]
    assert centre == pytest.approx(session.racer("gd").model.loss(
        session.surface.inputs, session.surface.labels), rel=1e-9)


def test_finish_line_is_the_first_measured_loss_below_the_target():
    session = run(RaceSession(RaceConfig().with_values({"racers": "gd lr=1",
                                                         "target_loss": 0.4})), 40)
    row = session.race_view().racers[0]
    curve = row.curve
    first = np.flatnonzero(curve[:, 3] <= 0.4)[0]
    assert row.finish.updates == curve[first, 0] and row.finish.loss <= 0.4
    assert curve[first - 1, 3] > 0.4
    session.apply_live({"target_loss": 0.01})
    assert session.race_view().racers[0].finish is None


# -- registry and CLI -----------------------------------------------------------------------------
def test_cli_prints_per_racer_losses_as_json():
    out, err = io.StringIO(), io.StringIO()
    code = main(["run", "race", "--json", "--steps", "6", "--every", "3",
                 "--set", "racers=gd lr=0.5; adam lr=0.1"], out, err)
    assert code == 0, err.getvalue()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["step"] for line in lines] == [0, 3, 6, 6]
    assert lines[0]["loss/gd"] == lines[0]["loss/adam"]
    assert lines[-1]["loss/gd"] < lines[0]["loss/gd"] and lines[-1]["updates/adam"] == 6
    for name in ("gd", "adam"):
        assert 0 < lines[-1][f"compute_seconds/{name}"] <= lines[-1][f"wall_seconds/{name}"]


def test_cli_table_and_finish_line_name_both_clocks():
    out, err = io.StringIO(), io.StringIO()
    assert main(["run", "race", "--steps", "4", "--set", "racers=gd lr=0.5; adam lr=0.1"],
                out, err) == 0, err.getvalue()
    table, finish = out.getvalue().split("\nFinish line")
    groups = table.splitlines()[0].replace("-", " ").split()
    assert groups[:3] == ["loss", "compute_seconds", "wall_seconds"]  # both fit two racers
    header = finish.splitlines()[1]
    assert "compute s to it" in header and "wall s to it" in header
    assert max(len(line) for line in out.getvalue().splitlines()) <= 100


def test_cli_reports_a_bad_racer_line_with_exit_2():
    out, err = io.StringIO(), io.StringIO()
    assert main(["run", "race", "--set", "racers=gd mom=0.9"], out, err) == 2
    assert "gd has no key 'mom'" in err.getvalue()


def test_registered_with_its_panels():
    scenario = get_scenario("race")
    assert scenario.panels == ("race_curves", "race_surface", "race_finish", "race_editor")
    assert isinstance(scenario.create_session(), RaceSession)


def test_cli_table_shows_the_last_row_of_a_race_that_ends_early():
    out, err = io.StringIO(), io.StringIO()
    assert main(["run", "race", "--steps", "100", "--set", "epochs=3"], out, err) == 0
    table = out.getvalue().split("\nFinish line")[0].splitlines()
    rows = [line for line in table if line.split()[0].isdigit()]  # not the header lines
    assert [row.split()[0] for row in rows] == ["0", "1", "2", "3"]  # reports fit 3 steps


def test_batched_slice_losses_equal_one_forward_pass_per_point():
    session = RaceSession(mlp_config(racers="gd", hidden_sizes=(4, 3), activation="relu"))
    model = session.new_model()
    vectors = np.random.default_rng(0).normal(size=(70, model.n_parameters))
    batched = batched_losses(model, vectors, session.train_x[:50], session.train_y[:50],
                             chunk=16)
    for row, vector in enumerate(vectors[::9]):
        model.set_params(unflatten(vector, model.params))
        assert batched[row * 9] == pytest.approx(
            model.loss(session.train_x[:50], session.train_y[:50]), rel=1e-12)


def test_surface_points_can_change_live():
    session = RaceSession(RaceConfig(racers="gd", surface_points=100))
    first = session.views()["loss_surface"]
    assert len(session.surface.labels) == 100
    session.apply_live({"surface_points": 300})
    second = session.views()["loss_surface"]
    assert len(session.surface.labels) == 300 and second.revision == first.revision + 1


def test_curve_history_thins_keeping_the_extremes_and_the_finish():
    history = CurveHistory(capacity=8)
    losses = [5.0, 4.0, 9.0, 3.0, 2.5, 2.0, 0.5, 1.9, 1.8, 1.7]
    for update, loss in enumerate(losses):
        history.append(update, update / 2, update / 10, loss, update / 5)
    rows = history.rows
    assert history.thinned and len(rows) < len(losses)
    assert 9.0 in rows[:, 3] and 0.5 in rows[:, 3], "spikes and the best loss survive"
    assert (np.diff(rows[:, 0]) > 0).all()
    np.testing.assert_array_equal(history.first_below(1.0), [6, 3.0, 0.6, 0.5, 1.2])
    assert history.first_below(0.1) is None


# -- separable data: no finite minimiser ----------------------------------------------------------
def test_separable_gaussians_have_no_optimum_and_the_surface_says_why():
    """At correlation 0.99 the race's gaussians are linearly separable: Newton's gradient
    underflows far out on the ray, which is no minimiser, so no star may be drawn there."""
    session = RaceSession(RaceConfig().with_values({"correlation": 0.99,
                                                    "racers": "gd lr=1; newton"}))
    newton_model = session.racer("newton").model
    assert session.separable and session.optimum is None
    run(session, 10)
    surface: LossSurface = session.views()["loss_surface"]
    assert surface.minimum is None
    assert "no finite minimiser" in surface.note and "separable" in surface.note
    assert np.isfinite(surface.values).all()
    assert session.metrics()["separable"] == 1.0
    newton = session.race_view().racers[1]
    assert newton.finish is not None, "the finish line is a loss, reachable without an optimum"
    assert newton_model.loss(session.train_x, session.train_y) < 1e-3


def test_overlapping_gaussians_keep_their_optimum_and_report_no_separability():
    session = RaceSession(RaceConfig().with_values({"correlation": 0.97, "racers": "gd"}))
    assert not session.separable and session.optimum is not None
    assert np.linalg.norm(logistic_gradient(session.optimum, session.design,
                                            session.train_y)) < 1e-10
    assert session.views()["loss_surface"].minimum is not None
    assert "separable" not in session.metrics()


def test_cli_says_when_the_race_data_are_separable():
    out, err = io.StringIO(), io.StringIO()
    assert main(["run", "race", "--json", "--steps", "2", "--set", "correlation=0.99",
                 "--set", "racers=gd; newton"], out, err) == 0, err.getvalue()
    assert all(json.loads(line)["separable"] == 1.0 for line in out.getvalue().splitlines())
    out = io.StringIO()
    assert main(["run", "race", "--steps", "2", "--set", "correlation=0.99"], out, err) == 0
    assert "separable" in " ".join(out.getvalue().splitlines()[:2]).split()  # the header
    out = io.StringIO()
    assert main(["run", "race", "--json", "--steps", "2"], out, err) == 0
    assert "separable" not in json.loads(out.getvalue().splitlines()[0])
