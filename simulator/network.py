"""Follower networks as CSR arrays.

Edge u -> v means v follows u and sees u's posts; `followers(u)` is the CSR
row of u. Synthetic graphs are generated directly as arrays (a directed
Chung-Lu graph with Pareto follower weights) so a million users fit in tens of
megabytes; networkx is used only to read user files and build small graphs.

Special accounts (brand, media outlets, the complainant of a synthetic graph)
are appended after the ordinary users so user ids of an imported graph are
kept as they are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from simulator.config import ComplaintConfig, NetworkConfig
from simulator.rng import stream


class UserType(IntEnum):
    """What kind of account a node is."""

    ORDINARY = 0
    INFLUENCER = 1
    ADVOCATE = 2
    MEDIA = 3
    COMPLAINANT = 4
    BRAND = 5


@dataclass
class Network:
    """A directed follower graph with user types."""

    indptr: np.ndarray  # int64, length n + 1
    indices: np.ndarray  # int32 follower ids, grouped by the account they follow
    types: np.ndarray  # int8 UserType per node
    brand: int = -1
    complainant: int = -1
    media: list[int] = field(default_factory=list)
    labels: list[str] | None = None  # original node names of an imported graph
    _n_star: float | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return int(self.indptr.size - 1)

    @property
    def edges(self) -> int:
        return int(self.indices.size)

    def followers(self, u: int) -> np.ndarray:
        return self.indices[self.indptr[u]:self.indptr[u + 1]]

    def follower_counts(self) -> np.ndarray:
        return np.diff(self.indptr)

    def following_counts(self) -> np.ndarray:
        return np.bincount(self.indices, minlength=self.n)

    def n_star(self) -> float:
        """Mean follower count of a reached user, <k_in k_out> / <k_in>.

        docs/model.md, "3.1 Candidates and thinning" (n* is s* with visibility 1, no cap).

        Only ordinary users and influencers count: broadcast accounts do not
        reshare the complaint. Cached: the graph does not change.
        """
        if self._n_star is None:
            self._n_star = self._compute_n_star()
        return self._n_star

    def _compute_n_star(self) -> float:
        return self.seen_star(1.0, math.inf)

    def seen_star(self, visibility: float, seen_cap: float) -> float:
        """Mean followers who SEE a post of a reached user, s*.

        docs/model.md, "3.1 Candidates and thinning" (s*) and
        docs/model.md, "4.1 Seeing: visibility and the seen cap" (why p0 is solved over it).

        As `n_star`, with each author's audience min(visibility x k_out,
        seen_cap): the branching ratio is solved over seen exposures.
        """
        mask = (self.types == UserType.ORDINARY) | (self.types == UserType.INFLUENCER)
        k_in = self.following_counts()[mask].astype(float)
        seen = np.minimum(visibility * self.follower_counts()[mask].astype(float), seen_cap)
        total = k_in.sum()
        return float((k_in * seen).sum() / total) if total > 0 else 0.0

    def nbytes(self) -> int:
        return int(self.indptr.nbytes + self.indices.nbytes + self.types.nbytes)


def csr_from_keys(n: int, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays from edge keys `u * n + v` (sorted in place, duplicates dropped).

    Works in place and in chunks so a 20M-edge graph peaks near twice the key
    array rather than at several copies of it.
    """
    key.sort()
    if key.size:
        fresh = np.empty(key.size, dtype=bool)
        fresh[0] = True
        np.not_equal(key[1:], key[:-1], out=fresh[1:])
        if not fresh.all():
            key = key[fresh]
        del fresh
    indptr = np.searchsorted(key, np.arange(n + 1, dtype=np.int64) * n).astype(np.int64)
    indices = np.empty(key.size, dtype=np.int32)
    step = 1 << 22
    for a in range(0, key.size, step):
        indices[a:a + step] = key[a:a + step] % n
    return indptr, indices


def csr_from_edges(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays from edge arrays, dropping self-loops and duplicate edges."""
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    keep = src != dst
    return csr_from_keys(n, src[keep] * n + dst[keep])


def _pareto_counts(rng: np.random.Generator, n: int, mean: float, tail: float) -> np.ndarray:
    """Follower counts with a power-law tail of exponent `tail` and the given mean."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    w = (1.0 - rng.random(n)) ** (-1.0 / (tail - 1.0))
    w = np.minimum(w, n ** 0.75)  # cap the largest accounts below the population size
    total = round(mean * n)
    return rng.multinomial(total, w / w.sum()).astype(np.int64)


def _audience(rng: np.random.Generator, size: int, pool: int) -> np.ndarray:
    """Distinct random followers for a broadcast account, sorted."""
    return np.sort(rng.choice(pool, size=min(size, pool), replace=False)).astype(np.int32)


def _finish(pool: int, indptr: np.ndarray, indices: np.ndarray, cfg: NetworkConfig,
            rng: np.random.Generator, complainant_followers: int | None) -> Network:
    """Append brand, media outlets and (optionally) the complainant; type the users.

    The appended accounts have ids after every ordinary user, so their CSR
    rows go at the end without re-sorting the edges already built.
    """
    brand = pool
    media = list(range(pool + 1, pool + 1 + cfg.media_outlets))
    rows = [_audience(rng, int(cfg.brand_audience * pool), pool)]
    rows += [_audience(rng, int(cfg.media_audience * pool), pool) for _ in media]
    complainant = -1
    if complainant_followers is not None:
        complainant = pool + 1 + cfg.media_outlets
        rows.append(_audience(rng, complainant_followers, pool))
    extra = np.cumsum([r.size for r in rows], dtype=np.int64) + indptr[-1]
    indptr = np.concatenate((indptr, extra))
    indices = np.concatenate([indices, *rows])
    n = indptr.size - 1
    types = np.zeros(n, dtype=np.int8)
    k_top = round(cfg.influencer_share * pool)
    if k_top:
        counts = np.diff(indptr[:pool + 1])
        types[np.argsort(-counts, kind="stable")[:k_top]] = UserType.INFLUENCER
    types[brand] = UserType.BRAND
    types[media] = UserType.MEDIA
    if complainant >= 0:
        types[complainant] = UserType.COMPLAINANT
    return Network(indptr=indptr, indices=indices, types=types, brand=brand,
                   complainant=complainant, media=media)


def _append_accounts(pool: int, src: np.ndarray, dst: np.ndarray, cfg: NetworkConfig,
                     rng: np.random.Generator, complainant_followers: int | None) -> Network:
    indptr, indices = csr_from_edges(pool, src, dst)
    return _finish(pool, indptr, indices, cfg, rng, complainant_followers)


def synthetic(cfg: NetworkConfig, complaint: ComplaintConfig) -> Network:
    """A directed heavy-tailed follower graph (Chung-Lu style), built as arrays.

    Follower counts are Pareto weights; each follow edge picks its follower
    uniformly, so the number of accounts a user follows is Poisson.
    """
    rng = stream(cfg.seed, "network")
    pool = cfg.users
    counts = _pareto_counts(rng, pool, cfg.mean_followers, cfg.follower_tail)
    key = np.repeat(np.arange(pool, dtype=np.int64), counts)
    dst = rng.integers(0, max(pool - 1, 1), size=key.size, dtype=np.int64)
    dst += dst >= key  # skip self-follows without a mask copy
    key *= pool
    key += dst
    del dst
    indptr, indices = csr_from_keys(pool, key)
    del key
    explicit = bool(complaint.seed_users)
    return _finish(pool, indptr, indices, cfg, rng,
                   None if explicit else min(complaint.complainant_followers, pool))


def complete(cfg: NetworkConfig) -> Network:
    """Everyone follows everyone (validation against mean-field results)."""
    n = cfg.users
    src = np.repeat(np.arange(n, dtype=np.int64), n)
    dst = np.tile(np.arange(n, dtype=np.int64), n)
    return _append_accounts(n, src, dst, cfg, stream(cfg.seed, "network"), None)


def erdos_renyi(cfg: NetworkConfig) -> Network:
    """Undirected G(n, p) with mean degree `mean_followers`, both directions stored."""
    rng = stream(cfg.seed, "network")
    n = cfg.users
    pairs = n * (n - 1) // 2
    m = int(rng.binomial(pairs, min(1.0, cfg.mean_followers / max(n - 1, 1))))
    a = rng.integers(0, n, size=int(m * 1.05) + 16, dtype=np.int64)
    b = rng.integers(0, n, size=a.size, dtype=np.int64)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = np.unique((lo * n + hi)[lo != hi])  # small graphs only
    key = key[rng.permutation(key.size)[:m]]
    u, v = key // n, key % n
    return _append_accounts(n, np.concatenate((u, v)), np.concatenate((v, u)), cfg, rng, None)


def from_edge_arrays(n: int, src: np.ndarray, dst: np.ndarray, cfg: NetworkConfig,
                     labels: list[str] | None = None) -> Network:
    """A user-supplied graph (ids 0..n-1) with the brand and media outlets appended."""
    if cfg.undirected:
        src, dst = np.concatenate((src, dst)), np.concatenate((dst, src))
    net = _append_accounts(n, np.asarray(src, np.int64), np.asarray(dst, np.int64), cfg,
                           stream(cfg.seed, "network"), None)
    net.labels = labels
    return net


def with_advocates(net: Network, share: float, seed: int) -> Network:
    """Mark a share of the brand's ordinary followers as advocates."""
    if net.brand < 0 or share <= 0:
        return net
    fans = net.followers(net.brand)
    fans = fans[net.types[fans] == UserType.ORDINARY]
    k = round(share * fans.size)
    if k:
        chosen = stream(seed, "advocates").choice(fans, size=k, replace=False)
        net.types[chosen] = UserType.ADVOCATE
    return net
