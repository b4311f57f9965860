"""The compiled spread kernel: candidate heap, posting and thinning over flat arrays.

Everything here is a plain function over numpy arrays and scalars, compiled
with numba when it is installed (it is a dependency) and still correct, only
slow, when run by the interpreter. `spread.SpreadState` owns the arrays and
grows them; these functions never allocate, and stop with `NEED_ROOM` when an
array could overflow so the owner can grow it and call again. The result
never depends on where such a stop happens.

Array packs (indices are the constants below):
- `cnt` int64 counters, `fp` float64 run parameters, `kp` kernel parameters,
  `clk` + `cum` + `rates`: the diurnal time change.
- heap columns `h_t, h_v, h_pid, h_story, h_u`: a binary min-heap ordered by
  (time, target, post id): ties never depend on insertion order.
- post columns `p_t, p_author, p_kind, p_thr`.
"""

from __future__ import annotations

import math

import numpy as np

try:  # pragma: no cover - exercised by whichever is installed
    from numba import njit
except ImportError:  # pragma: no cover
    def njit(*args, **kwargs):  # type: ignore[no-untyped-def]
        """Run uncompiled when numba is missing: same results, slower."""
        if args and callable(args[0]):
            return args[0]
        return lambda f: f

# counters
N_POSTS, HEAP, RAND, NEGATIVES, EXPOSURES, DEF_EXPOSURES, CANDIDATES, REJECTED, DELETED_BELOW = (
    range(9))
N_COUNTERS = 9
# float parameters
P_CONTENT, P_BOUND, P_REPEAT, P_DEFENCE, P_DEFEND, P_LIFETIME, P_BRAND, P_MASS, P_STORY0 = (
    range(9))
N_FLOATS = P_STORY0 + 3
# kernel parameters
K_KIND, K_C, K_S0, K_THETA, K_RATE, K_HORIZON = range(6)
# clock parameters
C_IDENTITY, C_OFFSET, C_OP0, C_DAY_OP, C_BIN = range(5)

# storylines and post kinds (mirrors of spread.Story / spread.PostKind)
S_COMPLAINT, S_DELETION, S_DEFENCE, S_REIGNITE = 0, 1, 2, 3
K_COMPLAINT, K_RESHARE, K_REIGNITED, K_DELETION, K_DEFENCE = 0, 1, 2, 3, 4
K_MEDIA, K_INFLUENCER, K_COMPETITOR = 5, 6, 7
DIGITS = float(2**24)  # a candidate's delay uniform is frac(u * 2**24): u's low-order digits

DONE, NEED_ROOM = 0, 1


GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True)
def edge_uniform(key: np.uint64, j: int) -> float:
    """A fixed uniform for edge j of this run: splitmix64 of (run key, edge index).

    Computed when needed instead of stored: no memory per edge and no set-up
    cost per run, yet every run with the same seed sees the same value on the
    same edge (common random numbers across paired runs).
    """
    z = key + np.uint64(j + 1) * GOLDEN
    z = (z ^ (z >> np.uint64(30))) * MIX1
    z = (z ^ (z >> np.uint64(27))) * MIX2
    z = z ^ (z >> np.uint64(31))
    return float(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def is_negative(kind: int) -> bool:
    return kind in (K_COMPLAINT, K_RESHARE, K_REIGNITED, K_DELETION, K_INFLUENCER)


@njit(cache=True)
def kernel_cdf(kp: np.ndarray, s: float) -> float:
    """Share of reactions by delay s (hours), truncated at the horizon."""
    s = min(max(s, 0.0), kp[K_HORIZON])
    if kp[K_KIND] == 1.0:
        return -math.expm1(-kp[K_RATE] * s)
    c, s0, th = kp[K_C], kp[K_S0], kp[K_THETA]
    if s <= s0:
        return c * s
    return c * s0 + c * s0 / th * (1.0 - (s / s0) ** (-th))


@njit(cache=True)
def kernel_ppf(kp: np.ndarray, x: float) -> float:
    """Delay at raw CDF level x (below cdf(horizon))."""
    if kp[K_KIND] == 1.0:
        return -math.log1p(-x) / kp[K_RATE]
    c, s0, th = kp[K_C], kp[K_S0], kp[K_THETA]
    flat = c * s0
    if x <= flat:
        return x / c
    return s0 * max(1.0 - (x - flat) * th / flat, 1e-300) ** (-1.0 / th)


@njit(cache=True)
def to_sim(clk: np.ndarray, cum: np.ndarray, rates: np.ndarray, op: float) -> float:
    """Simulation time of operational time `op` (inverse of the time change)."""
    if clk[C_IDENTITY] == 1.0:
        return op
    x = op + clk[C_OP0]
    day = math.floor(x / clk[C_DAY_OP])
    r = x - day * clk[C_DAY_OP]
    nb = rates.size
    i = np.searchsorted(cum, r, side="right") - 1
    i = min(max(i, 0), nb - 1)
    return day * 24.0 + i * clk[C_BIN] + (r - cum[i]) / rates[i] - clk[C_OFFSET]


@njit(cache=True)
def _less(h_t: np.ndarray, h_v: np.ndarray, h_pid: np.ndarray, i: int, j: int) -> bool:
    if h_t[i] != h_t[j]:
        return h_t[i] < h_t[j]
    if h_v[i] != h_v[j]:
        return h_v[i] < h_v[j]
    return h_pid[i] < h_pid[j]


@njit(cache=True)
def _swap(h_t, h_v, h_pid, h_story, h_u, i, j):  # type: ignore[no-untyped-def]
    h_t[i], h_t[j] = h_t[j], h_t[i]
    h_v[i], h_v[j] = h_v[j], h_v[i]
    h_pid[i], h_pid[j] = h_pid[j], h_pid[i]
    h_story[i], h_story[j] = h_story[j], h_story[i]
    h_u[i], h_u[j] = h_u[j], h_u[i]


@njit(cache=True)
def heap_push(cnt, h_t, h_v, h_pid, h_story, h_u, t, v, pid, story, u):  # type: ignore[no-untyped-def]
    i = cnt[HEAP]
    cnt[HEAP] = i + 1
    h_t[i], h_v[i], h_pid[i], h_story[i], h_u[i] = t, v, pid, story, u
    while i > 0:
        parent = (i - 1) >> 1
        if _less(h_t, h_v, h_pid, i, parent):
            _swap(h_t, h_v, h_pid, h_story, h_u, i, parent)
            i = parent
        else:
            break


@njit(cache=True)
def heap_pop(cnt, h_t, h_v, h_pid, h_story, h_u):  # type: ignore[no-untyped-def]
    """Remove the root; its values are copied to the slot past the end first."""
    last = cnt[HEAP] - 1
    _swap(h_t, h_v, h_pid, h_story, h_u, 0, last)
    cnt[HEAP] = last
    i = 0
    while True:
        left = 2 * i + 1
        if left >= last:
            break
        small = left
        right = left + 1
        if right < last and _less(h_t, h_v, h_pid, right, left):
            small = right
        if _less(h_t, h_v, h_pid, small, i):
            _swap(h_t, h_v, h_pid, h_story, h_u, small, i)
            i = small
        else:
            break
    return last  # the popped entry now sits at index `last`


@njit(cache=True)
def post(cnt, fp, kp, indptr, indices, edge_key, audience, posted, mute, adv, expo, saw,
         p_t, p_author, p_kind, p_thr, h_t, h_v, h_pid, h_story, h_u, rand,
         op, t, author, kind, story, reader_factor):  # type: ignore[no-untyped-def]
    """Publish a post and push its followers' candidate reactions.

    A follower with uniform u becomes a candidate if u < p_sched x mass (the
    upper bound of every later multiplier); its delay comes from u's low
    digits, and it is accepted when it fires if u < p_eff x mass then. The
    first complaint post of a graph user uses the run's fixed per-edge
    uniforms (common random numbers across paired runs); other posts draw from
    the run's uniform stream. `audience` (non-empty) replaces the followers.
    """
    own = audience.size == 0
    if own:
        a, b = indptr[author], indptr[author + 1]
    else:
        a, b = 0, audience.size
    k = b - a
    pid = cnt[N_POSTS]
    cnt[N_POSTS] = pid + 1
    p_t[pid], p_author[pid], p_kind[pid] = t, author, kind
    if is_negative(kind):
        cnt[NEGATIVES] += 1
    if story == S_DEFENCE:
        p_thr[pid] = 0.0
        for j in range(a, b):
            saw[indices[j] if own else audience[j]] = 1
        cnt[DEF_EXPOSURES] += k
        return pid
    base = fp[P_CONTENT] * fp[P_STORY0 + story] * reader_factor
    mass = fp[P_MASS]
    if fp[P_LIFETIME] > 0.0:
        r = cnt[RAND]
        cnt[RAND] = r + 1
        cut = -math.log(1.0 - rand[r]) / fp[P_LIFETIME]
        if cut < kp[K_HORIZON]:
            mass = kernel_cdf(kp, cut)
    thr = min(1.0, base * fp[P_BOUND]) * mass
    fthr = fp[P_DEFEND] * mass if (fp[P_DEFEND] > 0.0 and story == S_COMPLAINT) else -1.0
    p_thr[pid] = base * mass
    cnt[EXPOSURES] += k
    fixed = own and story == S_COMPLAINT and kind != K_REIGNITED
    done = posted[story]
    pushed = 0
    for j in range(a, b):
        v = indices[j] if own else audience[j]
        expo[v] += 1
        if fixed:
            u = edge_uniform(edge_key, j)
        else:
            u = rand[cnt[RAND]]
            cnt[RAND] += 1
        if adv[v] == 1:
            if u < fthr:
                delay = kernel_ppf(kp, ((u * DIGITS) % 1.0) * mass)
                heap_push(cnt, h_t, h_v, h_pid, h_story, h_u, op + delay, v, pid, S_DEFENCE, u)
                pushed += 1
        elif u < thr and done[v] == 0 and mute[v] == 0:
            delay = kernel_ppf(kp, ((u * DIGITS) % 1.0) * mass)
            heap_push(cnt, h_t, h_v, h_pid, h_story, h_u, op + delay, v, pid, story, u)
            pushed += 1
    cnt[CANDIDATES] += pushed
    return pid


@njit(cache=True)
def advance(cnt, fp, kp, clk, cum, rates, indptr, indices, edge_key, posted, mute, adv, expo,
            saw, p_t, p_author, p_kind, p_thr, h_t, h_v, h_pid, h_story, h_u, rand,
            limit, max_fanout):  # type: ignore[no-untyped-def]
    """Fire every candidate with operational time < `limit`; DONE or NEED_ROOM."""
    empty = np.zeros(0, dtype=np.int32)
    scale = fp[P_BRAND]
    rep = fp[P_REPEAT]
    dfe = fp[P_DEFENCE]
    while cnt[HEAP] > 0 and h_t[0] < limit:
        if (cnt[N_POSTS] + 1 >= p_t.size or cnt[HEAP] + max_fanout + 1 >= h_t.size
                or cnt[RAND] + max_fanout + 2 >= rand.size):
            return NEED_ROOM
        i = heap_pop(cnt, h_t, h_v, h_pid, h_story, h_u)
        op, v, pid, story, u = h_t[i], h_v[i], h_pid[i], h_story[i], h_u[i]
        if story == S_REIGNITE:
            post(cnt, fp, kp, indptr, indices, edge_key, empty, posted, mute, adv, expo, saw,
                 p_t, p_author, p_kind, p_thr, h_t, h_v, h_pid, h_story, h_u, rand,
                 op, to_sim(clk, cum, rates, op), v, K_REIGNITED, S_COMPLAINT, 1.0)
            continue
        if story == S_DEFENCE:
            if posted[S_DEFENCE, v] == 0:
                posted[S_DEFENCE, v] = 1
                post(cnt, fp, kp, indptr, indices, edge_key, empty, posted, mute, adv, expo, saw,
                     p_t, p_author, p_kind, p_thr, h_t, h_v, h_pid, h_story, h_u, rand,
                     op, to_sim(clk, cum, rates, op), v, K_DEFENCE, S_DEFENCE, 1.0)
            continue
        if posted[story, v] == 1:
            continue
        if pid < cnt[DELETED_BELOW] and is_negative(p_kind[pid]):
            cnt[REJECTED] += 1
            continue
        q = p_thr[pid] * scale
        if expo[v] >= 2:
            q *= rep
        if saw[v] == 1:
            q *= dfe
        if u >= q:
            cnt[REJECTED] += 1
            continue
        posted[story, v] = 1
        post(cnt, fp, kp, indptr, indices, edge_key, empty, posted, mute, adv, expo, saw,
             p_t, p_author, p_kind, p_thr, h_t, h_v, h_pid, h_story, h_u, rand,
             op, to_sim(clk, cum, rates, op), v,
             K_DELETION if story == S_DELETION else K_RESHARE, story, 1.0)
    return DONE
