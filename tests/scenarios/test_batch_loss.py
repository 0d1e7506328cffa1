"""The per-step ``loss`` trace is the quantity of the ``train_loss`` metric, measured on the
batch: a mean per example without the weight-decay penalty, whatever ``loss_reduction`` is.

Issue 13 (item 7): with ``loss_reduction=sum`` the trace was the summed objective plus the
penalty, about 200 times the train loss drawn beside it on the same axis.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.scenarios.presets import all_presets
from nnviz.scenarios.registry import get_scenario
from nnviz.session import TRACE_LABELS, train

LESSON = "lesson-03-learning-rate"  # 200 examples, gradients summed, weight decay 0.01


def lesson_config(**values):
    return all_presets()[LESSON].config().with_values(values)


def run(config, steps, every):
    session = get_scenario("moons").build(config)
    snapshots = list(train(session, max_steps=steps, every=every, views=False))
    steps_seen = np.concatenate([s.trace["step"] for s in snapshots if "loss" in s.trace])
    losses = np.concatenate([s.trace["loss"] for s in snapshots if "loss" in s.trace])
    return snapshots, steps_seen, losses, session


def test_the_lesson_really_sums_the_gradients_and_decays_the_weights():
    config = lesson_config()
    assert config.loss_reduction == "sum" and config.weight_decay > 0 and config.batch_size == 0


def test_batch_loss_is_on_the_train_loss_scale_in_the_summed_gradient_lesson():
    snapshots, steps, losses, _ = run(lesson_config(), 200, every=20)
    train_loss = {s.step: s.metrics["train_loss"] for s in snapshots}
    for step in (20, 100, 200):
        ratio = losses[steps == step][0] / train_loss[step]
        assert 0.5 < ratio < 2.0, f"step {step}: batch loss is {ratio:.1f}× the train loss"


def test_full_batch_loss_is_the_train_loss_before_the_update():
    """With the whole training set as the batch, update k's batch loss is the train loss of
    the parameters after k − 1 updates: the same number, penalty and reduction aside."""
    snapshots, steps, losses, _ = run(lesson_config(), 60, every=1)
    train_loss = {s.step: s.metrics["train_loss"] for s in snapshots}
    expected = [train_loss[step - 1] for step in steps]
    np.testing.assert_allclose(losses, expected, rtol=1e-5)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mini_batch_loss_is_the_mean_cross_entropy_of_its_batch(reduction):
    config = lesson_config(loss_reduction=reduction, batch_size=20, precision="float64",
                           weight_decay=0.5)
    session = get_scenario("moons").build(config)
    for _ in range(7):
        session.train_step()
    batches = []
    draw = session.next_batch_index
    session.next_batch_index = lambda: batches.append(draw()) or batches[-1]
    model = session.model
    before = model.copy_params()
    reported = session.train_step()["loss"]
    model.set_params(before)
    inputs, labels = session.train_x[batches[0]], session.train_y[batches[0]]
    expected = model.output.loss(model.forward(inputs).logits, labels, "mean")
    assert reported == pytest.approx(expected, rel=1e-12)


def test_the_reduction_changes_the_step_not_the_reported_loss():
    _, _, summed, _ = run(lesson_config(), 1, every=1)
    _, _, mean, _ = run(lesson_config(loss_reduction="mean"), 1, every=1)
    assert summed[0] == pytest.approx(mean[0], rel=1e-6)


def test_the_trace_label_says_what_the_batch_loss_is():
    label = TRACE_LABELS["loss"]
    assert "batch" in label and "mean per example" in label
    assert "train" not in label  # "train loss" is the whole training split's, at snapshots


def test_torch_reports_the_same_batch_loss_as_numpy():
    pytest.importorskip("torch")
    values = dict(precision="float64", batch_size=20, device="cpu")
    numpy_run = get_scenario("moons").build(lesson_config(**values))
    torch_run = get_scenario("moons").build(lesson_config(backend="torch", **values))
    numpy_losses = [numpy_run.train_step()["loss"] for _ in range(30)]
    torch_losses = [torch_run.train_step()["loss"] for _ in range(30)]
    np.testing.assert_allclose(torch_losses, numpy_losses, rtol=1e-10)
    assert max(numpy_losses) < 2.0  # a mean per example, not the summed objective


def test_the_cnn_reports_its_batch_loss_as_a_mean_without_the_penalty():
    """digits_cnn trains any torch model through the same trainer: the same quantity."""
    torch = pytest.importorskip("torch")
    scenario = get_scenario("digits_cnn")
    config = scenario.default_config().with_values(
        {"loss_reduction": "sum", "weight_decay": 0.5, "batch_size": 16, "device": "cpu"})
    session = scenario.build(config)  # the digits session: the trainer of the CNN
    before = [p.detach().clone() for p in session.engine.trainer.model.parameters()]
    before_draw = session.batches.state()
    index = session.next_batch_index()
    session.batches.restore(before_draw)  # the next train_step takes this same batch
    with torch.no_grad():
        batch_x = session.engine.trainer.tensor(session.train_x[index])
        batch_y = session.engine.trainer.tensor(session.train_y[index], labels=True)
        logits, _ = session.engine.trainer.model.forward(batch_x)
        expected = float(torch.nn.functional.cross_entropy(logits, batch_y))
    loss = session.train_step()["loss"]
    assert loss == pytest.approx(expected, rel=1e-5)
    assert any(not torch.equal(a, b) for a, b in
               zip(before, session.engine.trainer.model.parameters(), strict=True))
