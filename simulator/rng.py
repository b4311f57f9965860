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
