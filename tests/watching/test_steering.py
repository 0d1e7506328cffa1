"""Steering without sockets: the optimiser settings a probe changes, the commands the protocol
accepts, and how Pause and Step N gate the loop."""

from __future__ import annotations

import math

import pytest

from nnviz.watching.protocol import ProtocolError, steering_command, step_count
from nnviz.watching.steering import Steering


class ScriptedLink:
    """A link whose commands are given up front (one list per exchange or wait)."""

    def __init__(self, *batches: list[dict]) -> None:
        self.batches = list(batches)
        self.sent: list[dict] = []
        self.steered: list[dict] = []
        self.connected = True

    def exchange(self) -> list[dict]:
        return self.batches.pop(0) if self.batches else []

    def wait(self) -> list[dict]:
        if not self.batches:  # nothing more will come: the app goes away
            self.connected = False
            return []
        return self.batches.pop(0)

    def send(self, message: dict) -> None:
        self.sent.append(message)


def test_step_n_lets_exactly_n_steps_through_then_holds():
    link = ScriptedLink([{"type": "pause"}], [{"type": "step", "count": 2}],
                        [], [], [{"type": "run"}])
    steering = Steering(link, lambda *_: False)
    held = [steering.at_step(step, now=float(step)) for step in range(1, 6)]
    # held after update 1; "step 2" lets updates 2 and 3 happen, then holds after 3
    assert held == [True, False, True, False, False]
    assert [m["type"] for m in link.sent] == ["paused", "resumed", "paused", "resumed"]
    assert [m["step"] for m in link.sent] == [1, 1, 3, 3]


def test_commands_are_looked_for_at_most_every_poll_interval():
    link = ScriptedLink([{"type": "set", "group": 0, "name": "learning_rate", "value": 1.0}])
    applied = []
    steering = Steering(link, lambda *change: applied.append(change) or True)
    steering.at_step(1, now=10.0)
    steering.at_step(2, now=10.001)  # too soon: no look
    # marked at the next step, the first update that uses the change
    assert applied == [(0, "learning_rate", 1.0)] and link.steered[0]["step"] == 2


@pytest.mark.parametrize("message", [
    {"group": -1, "name": "learning_rate", "value": 0.1},
    {"group": True, "name": "learning_rate", "value": 0.1},
    {"group": 0, "name": "lr", "value": 0.1},
    {"group": 0, "name": "learning_rate", "value": -0.1},
    {"group": 0, "name": "learning_rate", "value": math.nan},
    {"group": 0, "name": "learning_rate", "value": math.inf},
    {"group": 0, "name": "learning_rate", "value": "0.1"},
])
def test_a_set_command_must_name_a_group_a_setting_and_a_number(message):
    with pytest.raises(ProtocolError):
        steering_command(message)


def test_step_counts_are_positive_whole_numbers():
    assert step_count({}) == 1 and step_count({"count": 5}) == 5
    for count in (0, -1, 2.5, True, 10**9):
        with pytest.raises(ProtocolError):
            step_count({"count": count})


def test_the_torch_probe_changes_each_setting_the_optimiser_has():
    torch = pytest.importorskip("torch")
    from nnviz.backends.torch_watch import TorchProbe

    model = torch.nn.Linear(2, 2)
    sgd = torch.optim.SGD([{"params": [model.weight]}, {"params": [model.bias], "lr": 0.5}],
                          lr=0.1, momentum=0.9)
    probe = TorchProbe(model, sgd)
    assert probe.apply_setting(1, "learning_rate", 0.25)
    assert probe.apply_setting(0, "momentum", 0.5)
    assert probe.apply_setting(0, "weight_decay", 0.01)
    assert [g["lr"] for g in sgd.param_groups] == [0.1, 0.25]
    assert sgd.param_groups[0]["momentum"] == 0.5
    assert sgd.param_groups[0]["weight_decay"] == 0.01
    assert not probe.apply_setting(2, "learning_rate", 0.1)  # no third group

    adam = torch.optim.Adam(model.parameters(), lr=torch.tensor(0.01))
    probe = TorchProbe(model, adam)
    assert probe.apply_setting(0, "momentum", 0.8)  # Adam's β₁
    assert adam.param_groups[0]["betas"] == (0.8, 0.999)
    assert not probe.apply_setting(0, "momentum", 1.0)  # β₁ = 1 never forgets
    rate = adam.param_groups[0]["lr"]
    assert probe.apply_setting(0, "learning_rate", 0.002)
    assert adam.param_groups[0]["lr"] is rate and float(rate) == pytest.approx(0.002)
    assert probe.group_settings()[0].learning_rate == pytest.approx(0.002)


def test_the_app_changes_how_often_the_watcher_samples():
    from nnviz.watching.probe import ScalarsOnly
    from nnviz.watching.records import WatchConfig
    from nnviz.watching.watcher import Watcher

    link = ScriptedLink([{"type": "rates", "snapshot_every": 4, "histogram_every": 7}],
                        [{"type": "rates", "histogram_every": 0}],  # not a rate: ignored
                        [{"type": "rates"}])  # sets nothing: ignored
    steering = Steering(link, lambda *_: False)
    watcher = Watcher(ScalarsOnly(), WatchConfig(snapshot_every=1), [], steering=steering)
    for step in range(1, 4):
        steering.at_step(step, now=float(step))
    assert (watcher.config.snapshot_every, watcher.config.histogram_every) == (4, 7)
    assert watcher._snapshot_rate.every == 4 and watcher._layer_rate.every == 7
    assert steering.ignored == 2
