"""Mini-batches: shuffled epochs drawn from a seed, and the one steps-per-epoch rule.

An epoch is one permutation of the training examples, read in order in batches of size B.
Only full batches are drawn: the last ``n mod B`` examples of a permutation are skipped and
the next batch opens a fresh permutation (``drop_last`` in torch's words). So:

* **steps per epoch = ⌊n / B⌋** (:func:`steps_per_epoch`), the number of updates one
  permutation actually gives. Rounding up would count an update the permutation never
  makes: "step one epoch" would reach into the next shuffle. Every update then sees exactly B
  examples, so the batch-loss trace has the same noise from step to step.
* a batch size of 0, or one at least n, is the full batch: every example, unshuffled, and the
  permutation does not move.

Two ways to read the same rule:

* :class:`EpochSampler` reads batches one after the other (a training session). Its
  permutations come from one seeded generator; the batch size may change between batches
  (the current permutation is read on with the new size). Its :meth:`~EpochSampler.state`
  is two integers, so a checkpoint stays small and a run file can hold it.
* :class:`IndexedBatches` gives the k-th batch of size B directly (the optimiser race):
  epoch e of size B is the permutation drawn from (seed, 7, B, e), so every racer that
  asks for batch k of size B gets the same examples, whenever it joins.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

Array = np.ndarray


def effective_batch_size(n: int, batch_size: int) -> int:
    """Examples per update: ``batch_size``, or all ``n`` when it is 0 or at least ``n``."""
    return n if batch_size <= 0 or batch_size >= n else batch_size


def steps_per_epoch(n: int, batch_size: int) -> int:
    """Updates per pass over ``n`` examples: ⌊n / B⌋ full batches (at least 1); see the
    module docstring for why the partial batch is not counted."""
    return max(1, n // max(1, effective_batch_size(n, batch_size)))


class EpochSampler:
    """Batch indices of ``n`` examples, epoch after epoch, from the seed ``seed``.

    ``seed`` is what :func:`numpy.random.default_rng` takes (an int or a sequence of ints):
    the same seed gives the same batches.
    """

    def __init__(self, n: int, seed: int | Sequence[int]) -> None:
        self.n = n
        self.seed = seed
        self._generator = np.random.default_rng(seed)
        self._order: Array | None = None
        #: permutations drawn so far (the one being read is the last)
        self._epochs = 0
        #: position of the next batch in the current permutation
        self._cursor = 0

    def effective(self, batch_size: int) -> int:
        return effective_batch_size(self.n, batch_size)

    def steps_per_epoch(self, batch_size: int) -> int:
        return steps_per_epoch(self.n, batch_size)

    def next_indices(self, batch_size: int) -> Array | None:
        """Positions of the next batch of ``batch_size``; None for the full batch (every
        example in order, which leaves the permutation where it is)."""
        index = self.peek_indices(batch_size)
        if index is not None:
            self._cursor += len(index)
        return index

    def peek_indices(self, batch_size: int) -> Array | None:
        """The batch :meth:`next_indices` will return, without moving on (a session that
        shows its next batch before training on it). A permutation it needs is drawn now;
        the batches to come are the same either way."""
        size = self.effective(batch_size)
        if size >= self.n:
            return None
        if self._order is None or self._cursor + size > self.n:
            self._order = self._generator.permutation(self.n)
            self._epochs += 1
            self._cursor = 0
        return self._order[self._cursor:self._cursor + size]

    def state(self) -> dict[str, int]:
        """Where the sampler stands: plain integers, for a checkpoint or a run file."""
        return {"epochs": self._epochs, "cursor": self._cursor}

    def restore(self, state: dict[str, int]) -> None:
        """Stand where :meth:`state` was taken: the same batches follow. The permutations
        are drawn again from the seed (one per epoch, cheap next to the updates of an
        epoch), so a checkpoint need not hold the generator's internals."""
        epochs, cursor = int(state["epochs"]), int(state["cursor"])
        if epochs < 0 or not 0 <= cursor <= self.n:
            raise ValueError(f"sampler state {state!r} does not fit {self.n} examples")
        self._generator = np.random.default_rng(self.seed)
        self._order = None
        for _ in range(epochs):
            self._order = self._generator.permutation(self.n)
        self._epochs, self._cursor = epochs, cursor


class IndexedBatches:
    """The k-th mini-batch of size B of ``inputs``/``labels``, the same for every caller.

    Epoch e of size B reads the permutation drawn from the seed (seed, 7, B, e) in order,
    ⌊n / B⌋ batches of it; random access means a racer added late sees the same batches.
    The last ``cache`` permutations are kept, as racers of one size ask for the same epochs.
    """

    def __init__(self, inputs: Array, labels: Array, seed: int, cache: int = 16) -> None:
        self.inputs, self.labels, self.seed = inputs, labels, seed
        self._permutations: OrderedDict[tuple[int, int], Array] = OrderedDict()
        self._cache = cache

    @property
    def n(self) -> int:
        return len(self.labels)

    def effective(self, batch_size: int) -> int:
        return effective_batch_size(self.n, batch_size)

    def steps_per_epoch(self, batch_size: int) -> int:
        return steps_per_epoch(self.n, batch_size)

    def indices(self, batch_size: int, index: int) -> Array | None:
        """Row indices of batch ``index`` of size ``batch_size``; None for the full batch."""
        size = self.effective(batch_size)
        if size >= self.n:
            return None
        epoch, offset = divmod(index, self.steps_per_epoch(size))
        return self._permutation(size, epoch)[offset * size:(offset + 1) * size]

    def _permutation(self, size: int, epoch: int) -> Array:
        key = (size, epoch)
        order = self._permutations.get(key)
        if order is None:
            order = np.random.default_rng([self.seed, 7, size, epoch]).permutation(self.n)
            self._permutations[key] = order
            while len(self._permutations) > self._cache:
                self._permutations.popitem(last=False)
        else:
            self._permutations.move_to_end(key)
        return order

    def batch(self, batch_size: int, index: int) -> tuple[Array, Array]:
        rows = self.indices(batch_size, index)
        if rows is None:
            return self.inputs, self.labels
        return self.inputs[rows], self.labels[rows]
