"""Named random streams spawned from one seed.

Each concern (graph, spread, brand, media, ...) draws from its own
`numpy.random.Generator`, keyed by a stable hash of its name. Adding a stream or
drawing more from one never shifts another, which is what makes paired
replicas (common random numbers) and counterfactual replays meaningful.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator for stream `name` of run `seed`; same inputs, same draws."""
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(entropy=int(seed), spawn_key=(key,)))


class UniformBuffer:
    """Uniform draws handed out in slices from a pre-drawn block.

    One numpy call per post is the main cost of the spread loop; drawing a
    block of 2**16 values at a time and slicing it keeps the per-post cost to
    a view. The sequence of values is fixed by the stream, so results do not
    depend on how the run is split into steps.
    """

    __slots__ = ("_block", "_pos", "_rng", "_size")

    def __init__(self, rng: np.random.Generator, size: int = 1 << 16) -> None:
        self._rng = rng
        self._size = size
        self._block = rng.random(size)
        self._pos = 0

    def take(self, n: int) -> np.ndarray:
        """The next `n` uniforms in [0, 1)."""
        pos = self._pos
        if pos + n <= self._size:
            self._pos = pos + n
            return self._block[pos:pos + n]
        rest = self._block[pos:]
        need = n - rest.size
        fresh = self._rng.random(max(self._size, need))
        self._block = fresh
        self._pos = need
        return np.concatenate((rest, fresh[:need]))

    def one(self) -> float:
        """The next single uniform."""
        pos = self._pos
        if pos < self._size:
            self._pos = pos + 1
            return float(self._block[pos])
        return float(self.take(1)[0])
