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
from nnviz.watching.records import WatchConfig
from nnviz.watching.sinks import RunFileSink
from nnviz.watching.watcher import Watcher

__all__ = ["WatchConfig", "Watcher", "watch"]


def watch(model: Any = None, optimizer: Any = None, *, name: str = "watched run",
          record: str | Path | None = None, every: int = 10, snapshots_per_second: float = 10.0,
          histogram_every: int = 50, histograms_per_second: float = 1.0,
          sampled_values: int = 4096, save_seconds: float = 30.0,
          batch_size: int | None = None) -> Watcher:
    """Start watching ``model`` (a ``torch.nn.Module``, or None for scalars only) trained by
    ``optimizer``; return the :class:`Watcher` whose ``step(**scalars)`` the loop calls.

    ``record``: a run file written at close and every ``save_seconds``. Rates (defaults in
    brackets): a row of metrics every ``every`` steps [10] and at most
    ``snapshots_per_second`` [10]; weight, gradient and activation histograms and layer
    health every ``histogram_every`` steps [50] and at most ``histograms_per_second`` [1],
    from at most ``sampled_values`` values of each tensor [4096]. The scalars, learning
    rates, momentum, step time and throughput (with ``batch_size`` or a ``batch_size=``
    scalar) are kept for every step. Bad settings raise ``ValueError`` naming the setting.
    """
    probe = _probe_for(model, optimizer)
    config = WatchConfig(
        name=name, model_summary=probe.summary(), snapshot_every=every,
        snapshots_per_second=snapshots_per_second, histogram_every=histogram_every,
        histograms_per_second=histograms_per_second, sampled_values=sampled_values,
        save_seconds=save_seconds, batch_size=batch_size,
        param_groups=probe.group_settings())
    sinks = [RunFileSink(record, save_seconds=save_seconds, label=name)] if record else []
    watcher = Watcher(probe, config, sinks)
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
