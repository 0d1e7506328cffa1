"""The race's mini-batches: the k-th batch of size B is the same for every racer that asks."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

Array = np.ndarray


class BatchStream:
    """The k-th mini-batch of size B, the same for every racer that asks for it.

    Epoch e of size B reads the permutation drawn from the seed (seed, B, e) in order, dropping
    the last partial batch; random access means a racer added late sees the same batches.
    """

    def __init__(self, inputs: Array, labels: Array, seed: int, cache: int = 16) -> None:
        self.inputs, self.labels, self.seed = inputs, labels, seed
        self._permutations: OrderedDict[tuple[int, int], Array] = OrderedDict()
        self._cache = cache

    @property
    def n(self) -> int:
        return len(self.labels)

    def effective(self, batch_size: int) -> int:
        return self.n if batch_size <= 0 or batch_size >= self.n else batch_size

    def steps_per_epoch(self, batch_size: int) -> int:
        return self.n // self.effective(batch_size)

    def indices(self, batch_size: int, index: int) -> Array | None:
        """Row indices of batch ``index`` of size ``batch_size``; None for the full batch."""
        size = self.effective(batch_size)
        if size == self.n:
            return None
        per_epoch = self.n // size
        epoch, offset = divmod(index, per_epoch)
        key = (size, epoch)
        order = self._permutations.get(key)
        if order is None:
            order = np.random.default_rng([self.seed, 7, size, epoch]).permutation(self.n)
            self._permutations[key] = order
            while len(self._permutations) > self._cache:
                self._permutations.popitem(last=False)
        else:
            self._permutations.move_to_end(key)
        return order[offset * size:(offset + 1) * size]

    def batch(self, batch_size: int, index: int) -> tuple[Array, Array]:
        rows = self.indices(batch_size, index)
        if rows is None:
            return self.inputs, self.labels
        return self.inputs[rows], self.labels[rows]

