"""Steering a watched loop from the app: optimiser settings, pause, run and step.

:meth:`Steering.at_step` runs inside ``watcher.step()``. It asks the link for commands at most
every :data:`POLL_SECONDS` (a fast loop is not slowed by a system call per step) and applies
them there, between the person's ``optimizer.step()`` calls, so a new learning rate is the one
the next update uses; each applied change is marked at that next step (the first whose
per-step learning rate shows it): sent with the next snapshot to be marked on the curves, and
handed to ``on_change`` (the watcher's, which puts it in the config the run file records).
The app may also change how often the watcher samples (``rates``). While paused it holds the
loop inside ``step()`` (:meth:`AppLink.wait`: no timeout, and the loop runs on as soon as the
app goes away); "step N" lets N more calls through.

With ``steerable=False`` the script refuses every command: the hello says so (and why), the
app shows its controls disabled, and a command that arrives anyway is ignored.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from nnviz.watching.link import AppLink
from nnviz.watching.probe import Probe
from nnviz.watching.protocol import (
    rate_settings,
    steering_command,
    step_count,
)
from nnviz.watching.records import WatchConfig

#: seconds between looks for commands while running
POLL_SECONDS = 0.02


class Steering:
    """Applies the app's commands to a watched loop; see the module docstring.
    ``apply(group, setting, value)`` changes the optimiser and says whether it could."""

    def __init__(self, link: AppLink, apply: Callable[[int, str, float], bool], *,
                 steerable: bool = True) -> None:
        self.link = link
        self.apply = apply
        self.steerable = steerable
        self.paused = False
        #: commands not applied: unknown group or setting, or steering refused
        self.ignored = 0
        #: ``set_rates(snapshot_every=…, histogram_every=…)``: the watcher's, once it exists
        self.set_rates: Callable[..., None] | None = None
        #: ``on_change(group, setting, value)``: told of each applied change (the watcher's)
        self.on_change: Callable[[int, str, float], None] | None = None
        self._steps_allowed = 0
        self._polled = -float("inf")

    def at_step(self, step: int, now: float) -> bool:
        """Apply what the app asked for; hold here while paused. True when it held."""
        if now - self._polled < POLL_SECONDS and not self.paused:
            return False
        self._polled = now
        self._handle(self.link.exchange(), step)
        if not self.paused:
            return False
        if self._steps_allowed:
            self._steps_allowed -= 1
            return False
        self._hold(step)
        return True

    def _hold(self, step: int) -> None:
        self.link.send({"type": "paused", "step": step})
        while self.paused and not self._steps_allowed:
            messages = self.link.wait()
            if not self.link.connected:  # the app went away: never leave the loop stuck
                self.paused = False
                return
            self._handle(messages, step)
        if self._steps_allowed:
            self._steps_allowed -= 1
        self.link.send({"type": "resumed", "step": step})

    def _handle(self, messages: list[dict[str, Any]], step: int) -> None:
        for message in messages:
            if not self.steerable:
                self.ignored += 1
                continue
            try:
                self._command(message, step)
            except (ValueError, TypeError):  # a bad command (ProtocolError is a ValueError)
                self.ignored += 1            # is dropped: it never breaks the person's loop

    def _command(self, message: dict[str, Any], step: int) -> None:
        kind = message["type"]
        if kind == "set":
            group, name, value = steering_command(message)
            if self.apply(group, name, value):
                self.link.steered.append({"step": step + 1, "group": group, "name": name,
                                          "value": value})
                if self.on_change is not None:
                    self.on_change(group, name, value)
            else:
                self.ignored += 1
        elif kind == "rates" and self.set_rates is not None:
            self.set_rates(**rate_settings(message))
        elif kind == "pause":
            self.paused, self._steps_allowed = True, 0
        elif kind == "run":
            self.paused, self._steps_allowed = False, 0
        elif kind == "step":
            self._steps_allowed += step_count(message)
            self.paused = True


def steering_for(config: WatchConfig, probe: Probe, *, address: str | None = None,
                 token: str | None = None, steerable: bool = True) -> Steering:
    """The link to the app for a watched run, with the steering that reads it; the hello
    says what the app needs before the first snapshot (the run's name, its parameter
    groups, whether it may be steered and why not)."""
    groups = probe.group_settings()
    reason = "" if steerable else "the script said steerable=False"
    if steerable and not groups:
        reason = "no optimiser was given to nnviz.watch: only Pause, Run and Step work"
    hello = {"name": config.name, "summary": config.model_summary, "config": config,
             "groups": groups, "steerable": steerable, "reason": reason,
             "session": secrets.token_hex(8)}  # a reconnection continues the same run
    return Steering(AppLink(hello, address=address, token=token), probe.apply_setting,
                    steerable=steerable)
