"""The init scenario: σ of z against theory, saturated fractions, the CLI, controls' params."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest

from nnviz.cli import EXIT_BAD_INPUT, main
from nnviz.core.init_experiment import RunningMoments, draw_pre_activations, shared_edges
from nnviz.scenarios.init_experiment import InitConfig, build
from nnviz.scenarios.params import ParamError
from nnviz.scenarios.presets import find_preset
from nnviz.session import train

ALL = ("standard_normal", "inv_sqrt_fan_in", "xavier", "he", "zeros")
TANH_EDGE = math.atanh(math.sqrt(0.99))  # |tanh'(z)| < 0.01 beyond this |z| ≈ 2.993


def normal_tail(threshold: float, std: float) -> float:
    """P(|z| > threshold) for z ~ N(0, std²)."""
    return math.erfc(threshold / (std * math.sqrt(2)))


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_measured_std_of_z_matches_theory_within_sampling_error():
    session = build(InitConfig(initializers=ALL, n_units=400))
    for _ in range(10):
        session.train_step()
    metrics = session.metrics()
    assert metrics["units"] == 4000
    assert metrics["z_std_theory/standard_normal"] == pytest.approx(math.sqrt(1001))
    assert metrics["z_std_theory/inv_sqrt_fan_in"] == pytest.approx(math.sqrt(2))
    for name in ALL[:-1]:
        measured, theory = metrics[f"z_std/{name}"], metrics[f"z_std_theory/{name}"]
        error = metrics[f"z_std_error/{name}"]
        assert error == pytest.approx(theory / math.sqrt(2 * 3999), rel=0.05)
        assert abs(measured - theory) < 4 * error, name
    assert metrics["z_std/zeros"] == 0.0 and metrics["saturated/zeros"] == 0.0
    deviations = {s.name: s.deviation for s in session.stats()}
    assert all(abs(d) < 4 for d in deviations.values()), deviations
    assert deviations["zeros"] == 0.0


def test_saturated_fraction_follows_the_normal_tail():
    session = build(InitConfig(n_units=1000))
    for _ in range(8):
        session.train_step()
    metrics = session.metrics()
    for name, std in (("standard_normal", math.sqrt(1001)), ("inv_sqrt_fan_in", math.sqrt(2))):
        expected = normal_tail(TANH_EDGE, std)
        sampling = math.sqrt(expected * (1 - expected) / 8000)
        assert abs(metrics[f"saturated/{name}"] - expected) < 4 * sampling + 1e-3, name
    assert metrics["saturated/standard_normal"] > 0.9
    assert metrics["saturated/inv_sqrt_fan_in"] < 0.06


def test_activation_is_live_and_changes_what_counts_as_saturated():
    session = build(InitConfig(initializers=("inv_sqrt_fan_in",)))
    session.train_step()
    tanh = session.metrics()["saturated/inv_sqrt_fan_in"]
    session.apply_live({"activation": "relu"})
    relu = session.metrics()["saturated/inv_sqrt_fan_in"]
    assert relu == pytest.approx(0.5, abs=0.08)  # a ReLU is dead for every z < 0
    session.apply_live({"activation": "sigmoid"})
    sigmoid = session.metrics()["saturated/inv_sqrt_fan_in"]
    assert 0 <= sigmoid < tanh < relu
    view = session.views()["init_histograms"]
    assert view.activation == "sigmoid"
    assert view.derivative.max() == pytest.approx(0.25, abs=1e-4)


def test_view_counts_every_unit_on_shared_edges():
    session = build(InitConfig(initializers=("standard_normal", "he"), n_units=300))
    frames = list(train(session, max_steps=3, every=1))
    view = frames[-1].views["init_histograms"]
    assert view.names() == ["standard_normal", "he"]
    for stats in view.stats:
        assert stats.counts.sum() == stats.units == 900
        assert len(stats.counts) == len(view.edges) - 1
        area = (view.density(stats) * np.diff(view.edges)).sum()
        assert area == pytest.approx(1.0)
    assert view.edges[-1] >= 4.5 * math.sqrt(1001)
    assert np.diff(view.edges).max() <= math.sqrt(2) / 5 + 1e-9
    first = frames[1].views["init_histograms"]
    np.testing.assert_array_equal(first.edges, view.edges)
    for early, late in zip(first.stats, view.stats, strict=True):
        assert np.all(late.counts >= early.counts)  # histograms only fill in


def test_draws_use_the_named_initialisers_and_are_seeded():
    rng = np.random.default_rng(1)
    z = draw_pre_activations("standard_normal", 50, 7, rng)
    rng = np.random.default_rng(1)
    weights = rng.standard_normal((50, 7))
    biases = rng.standard_normal(7)
    np.testing.assert_allclose(z, weights.sum(axis=0) + biases)
    a = build(InitConfig(seed=3)).views()  # no units yet: empty histograms, NaN σ
    assert all(s.units == 0 and math.isnan(s.std) for s in a["init_histograms"].stats)
    one, two = build(InitConfig(seed=3)), build(InitConfig(seed=3))
    one.train_step(), two.train_step()
    assert one.metrics() == two.metrics()


def test_running_moments_merge_like_numpy():
    values = np.random.default_rng(2).normal(3.0, 2.0, 1001)
    moments = RunningMoments()
    for chunk in np.array_split(values, 7):
        moments.add(chunk)
    assert moments.count == 1001
    assert moments.mean == pytest.approx(values.mean())
    assert moments.std == pytest.approx(values.std(ddof=1))


def test_shared_edges_resolve_the_narrowest_and_cover_the_widest():
    edges = shared_edges([31.6, 1.41])
    assert edges[0] == -edges[-1] and edges[-1] >= 4.5 * 31.6
    assert np.diff(edges).max() <= 1.41 / 5 + 1e-9
    assert (len(edges) - 1) % 2 == 1
    only_zero = shared_edges([0.0])
    assert only_zero[-1] >= 5 and np.all(np.diff(only_zero) > 0)


def test_initialisers_are_a_validated_multi_choice():
    spec = InitConfig.param("initializers")
    assert spec.kind == "multi_choice"
    assert InitConfig().with_text({"initializers": "xavier, he"}).initializers == ("xavier", "he")
    assert spec.format(("xavier", "he")) == "xavier,he"
    for bad, fragment in (("xavier,glorot", "'glorot' is not one of"), ("", "needs 1 to"),
                          ("he,he", "repeated")):
        with pytest.raises(ParamError, match=fragment):
            InitConfig().with_text({"initializers": bad})
    with pytest.raises(ParamError, match="n_units"):
        InitConfig(fan_in=100_000, n_units=1000)


def test_cli_json_prints_measured_std_theory_and_saturation():
    code, out, err = run("run", "init", "--steps", "4", "--every", "2", "--json",
                         "--set", "initializers=standard_normal,inv_sqrt_fan_in,xavier")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["step"] for r in records] == [0, 2, 4, 4]
    last = records[-1]
    for name in ("standard_normal", "inv_sqrt_fan_in", "xavier"):
        for key in ("z_std", "z_std_theory", "saturated"):
            assert isinstance(last[f"{key}/{name}"], float), (key, name)
    assert last["z_std/standard_normal"] == pytest.approx(31.6, rel=0.05)
    assert last["z_std/inv_sqrt_fan_in"] == pytest.approx(1.41, rel=0.05)
    assert "z_std/standard_normal" not in records[0]  # nothing drawn yet
    assert records[0]["z_std_theory/standard_normal"] == pytest.approx(31.64, abs=0.01)
    code, _, err = run("run", "init", "--set", "initializers=glorot")
    assert code == EXIT_BAD_INPUT and "glorot" in err


def test_init_presets_load():
    classic = find_preset("init-classic")
    assert classic.config().initializers == ("standard_normal", "inv_sqrt_fan_in")
    assert classic.lesson is not None
    assert len(find_preset("init-all-initialisers").config().initializers) == 5


def test_a_single_unit_per_step_is_not_mistaken_for_a_divergence():
    code, out, err = run("run", "init", "--set", "fan_in=1", "--set", "n_units=1",
                         "--set", "initializers=zeros,he", "--steps", "3", "--every", "1",
                         "--json")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert "z_std/he" not in records[1] and records[1]["saturated/he"] in (0.0, 1.0)
    assert records[-1]["z_std/zeros"] == 0.0 and records[-1]["z_std/he"] >= 0
