"""What initialisation does to deep networks, seen through the histogram view of MLP runs."""

from __future__ import annotations

import numpy as np

from nnviz.scenarios.presets import find_preset
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train


def _session(config):
    return get_scenario("moons").create_session(config)


def test_sigmoid_preset_gradients_vanish_in_the_early_layers_and_tanh_does_not():
    preset = find_preset("deep-sigmoid-vanishing")
    for config, vanishes in ((preset.config(), True), (preset.compare_config(), False)):
        session = _session(config)
        norms = session.histograms().gradient_norms  # step 0: gradients on the sample
        assert len(norms) == 7
        session.train_step()
        after_one = session.histograms().gradient_norms
        for measured in (norms, after_one):
            ratio = measured[0] / measured[5]  # first hidden layer against the last hidden
            if vanishes:
                assert ratio < 1e-2, measured
            else:
                assert ratio > 0.1, measured


def test_sigmoid_preset_is_stuck_while_tanh_learns():
    preset = find_preset("deep-sigmoid-vanishing")
    accuracy = {}
    for name, config in (("sigmoid", preset.config()), ("tanh", preset.compare_config())):
        frames = list(train(_session(config), max_steps=300, every=300, views=False))
        accuracy[name] = frames[-1].metrics["train_accuracy"]
    assert accuracy["sigmoid"] < 0.65 and accuracy["tanh"] > 0.9, accuracy


def test_standard_normal_weights_saturate_a_deep_tanh_network():
    preset = find_preset("deep-tanh-saturation")
    normal = _session(preset.config()).histograms()
    xavier = _session(preset.compare_config()).histograms()
    assert normal.activation == "tanh" and len(normal.saturated) == 6
    assert min(normal.saturated[1:]) > 0.15 and max(xavier.saturated) < 0.05
    hidden4 = normal.get(3, "activations")
    outer = hidden4.counts[[0, 1, -2, -1]].sum() / hidden4.total
    assert outer > 0.3  # activations pile up at ±1


def test_mlp_histograms_follow_a_run_on_stable_edges_with_a_history():
    config = find_preset("deep-tanh-saturation").config().with_values({"hidden_sizes": (8, 8)})
    session = _session(config)
    sets = [frame.views["histograms"] for frame in train(session, max_steps=30, every=5)]
    last = sets[-1]
    assert last.layer_names == ("hidden 1 (2→8)", "hidden 2 (8→8)", "output (8→2)")
    assert last.quantities(0) == ["weights", "biases", "pre_activations", "activations",
                                  "gradients"]
    assert "activations" not in last.quantities(2)
    assert list(last.history.steps) == sorted({h.step for h in sets})  # final: no repeat
    assert last.history.gradient_norms.shape == (len(sets) - 1, 3)
    for key in last.histograms:
        spans = [(h.histograms[key].edges[0], h.histograms[key].edges[-1]) for h in sets]
        lows, highs = np.array(spans).T
        assert np.all(np.diff(lows) <= 0) and np.all(np.diff(highs) >= 0), key
        band = last.history.percentiles[key]
        assert np.all(band[:, 0] <= band[:, 4]) and np.all(band[:, 4] <= band[:, -1])
