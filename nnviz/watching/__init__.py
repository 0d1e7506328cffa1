"""``nnviz.watch``: watch a person's own training loop with nnviz's panels.

    watcher = nnviz.watch(model, optimizer, name="resnet-cifar", record="runs/resnet.nnviz")
    for x, y in loader:
        loss = criterion(model(x), y)
        optimizer.zero_grad(); loss.backward(); optimizer.step()
        watcher.step(loss=loss.item())
    watcher.close()                 # or: with nnviz.watch(...) as watcher:

The recorded file opens in the app ("Open run…") and prints with ``nnviz show FILE``. This
package imports neither torch nor Qt: a torch model is read by
:mod:`nnviz.backends.torch_watch`, imported only when one is given.
"""

from __future__ import annotations

import atexit
import sys
import weakref
from pathlib import Path
from typing import Any

from nnviz.watching.probe import Probe, ScalarsOnly
from nnviz.watching.ranks import QuietWatcher, Ranks, current_placement, ranked_run
from nnviz.watching.records import WatchConfig
from nnviz.watching.sinks import RunFileSink
from nnviz.watching.steering import steering_for
from nnviz.watching.watcher import Watcher

__all__ = ["QuietWatcher", "WatchConfig", "Watcher", "watch"]


def watch(model: Any = None, optimizer: Any = None, *, name: str = "watched run",
          record: str | Path | None = None, every: int = 10, snapshots_per_second: float = 10.0,
          histogram_every: int = 50, histograms_per_second: float = 1.0,
          sampled_values: int = 4096, save_seconds: float = 30.0,
          batch_size: int | None = None, ranks: Ranks = 0, stream: bool = True,
          address: str | None = None, token: str | None = None,
          steerable: bool = True) -> Watcher | QuietWatcher:
    """Start watching ``model`` (a ``torch.nn.Module``, or None for scalars only) trained by
    ``optimizer``; return the :class:`Watcher` whose ``step(**scalars)`` the loop calls.

    ``record``: a run file written at close and every ``save_seconds``. Rates (defaults in
    brackets): a row of metrics every ``every`` steps [10] and at most
    ``snapshots_per_second`` [10]; weight, gradient and activation histograms and layer
    health every ``histogram_every`` steps [50] and at most ``histograms_per_second`` [1],
    from at most ``sampled_values`` values of each tensor [4096]. The scalars, learning
    rates, momentum, step time and throughput (with ``batch_size`` or a ``batch_size=``
    scalar) are kept for every step. Bad settings raise ``ValueError`` naming the setting.

    In a ``torch.distributed`` job only rank 0 reports; ``ranks="all"`` (or rank numbers)
    makes others report too, each as ``NAME/rankN`` recorded to ``FILE.rankN.nnviz``; a rank
    that does not report gets a :class:`QuietWatcher` (:mod:`nnviz.watching.ranks`).

    With ``stream`` [True] the run also goes to a running nnviz app, when one listens
    (:mod:`nnviz.watching.link`; never waiting on it; an app that starts later gets the last
    snapshots from before it connected): on the local socket, or on
    ``address="HOST:PORT"`` with the ``token`` that ``nnviz app --listen`` printed (or
    ``NNVIZ_WATCH_ADDRESS`` / ``NNVIZ_WATCH_TOKEN``). The app can then change each parameter
    group's learning rate, momentum and weight decay, and pause or step the loop
    (:mod:`nnviz.watching.steering`), unless ``steerable=False``.
    """
    placement = current_placement()
    run = ranked_run(name, record, ranks, placement)
    if not run.reports:
        return QuietWatcher(run.name, placement)
    name, record = run.name, run.record
    probe = _probe_for(model, optimizer)
    config = WatchConfig(
        name=name, model_summary=probe.summary(), snapshot_every=every,
        snapshots_per_second=snapshots_per_second, histogram_every=histogram_every,
        histograms_per_second=histograms_per_second, sampled_values=sampled_values,
        save_seconds=save_seconds, batch_size=batch_size,
        param_groups=probe.group_settings())
    sinks: list[Any] = [RunFileSink(record, save_seconds=save_seconds, label=name)] \
        if record else []
    steering = steering_for(config, probe, address=address, token=token,
                            steerable=steerable) if stream else None
    if steering is not None:
        sinks.append(steering.link)
    watcher = Watcher(probe, config, sinks, steering=steering)
    _close_at_exit(watcher)
    return watcher


def _close_at_exit(watcher: Watcher) -> None:
    """Close ``watcher`` when the interpreter exits, if the script did not: a script that
    forgets ``close()`` still gets its whole run file. Held by a weak reference, so the
    watcher (and the model it reads) is not kept alive by this."""
    reference = weakref.ref(watcher)

    def close_if_alive() -> None:
        alive = reference()
        if alive is not None:
            alive.close()

    atexit.register(close_if_alive)
    watcher.on_close.append(lambda: atexit.unregister(close_if_alive))


def _probe_for(model: Any, optimizer: Any) -> Probe:
    """The probe that reads ``model``: torch's for a ``torch.nn.Module`` (torch is then
    already imported by the person's script), none for no model."""
    if model is None:
        return ScalarsOnly()
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(model, torch.nn.Module):
        from nnviz.backends.torch_watch import TorchProbe

        return TorchProbe(model, optimizer)
    raise TypeError(f"nnviz.watch cannot read a {type(model).__name__}: give a "
                    "torch.nn.Module, or model=None to watch scalars only")
