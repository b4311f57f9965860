"""The compiled spread kernel: candidate heap, seeing, posting and thinning over flat arrays.

Everything here is a plain function over numpy arrays and scalars, compiled
with numba when it is installed (it is a dependency) and still correct, only
slow, when run by the interpreter (`STORMDRILL_NO_JIT=1` forces that).
`spread.SpreadState` owns the arrays and grows them; these functions never
allocate, and stop with `NEED_ROOM` when an array could overflow so the owner
can grow it and call again. The result never depends on where such a stop
happens.

Version 2 of the model (the layers of docs/model.md, "4. Attention", and the
judgements of docs/model.md, "6.1 Judgements") lives here because it acts
per exposure: a follower sees a post with probability `visibility`; a
negative post also reaches a Poisson number of non-followers (search and
trends, rising with the storm's recent volume); an accepted reaction is
thinned by novelty decay and participation fatigue (both at most 1, so the
bound holds); everyone who sees the storm for the first time forms a trust
judgement from what the brand has visibly done by then.

Array packs (indices are the constants below):
- `cnt` int64 counters, `fp` float64 run parameters and accumulators, `kp`
  kernel parameters, `clk` + `cum` + `rates`: the diurnal time change.
- heap columns `h_t, h_v, h_pid, h_story, h_u`: a binary min-heap ordered by
  (time, target, post id): ties never depend on insertion order. `h_story`
  carries `OUTSIDE` when the exposure came from outside the follower graph.
- post columns `p_t, p_author, p_kind, p_thr, p_flags, p_parent` (the post reacted to, -1).
- per-user arrays `posted` (one row per `Story` up to SUPPORT), `mute`, `adv`,
  `fan` (follows the brand), `joined` (has posted something negative),
  `expo` (storm posts seen), `saw` (saw a fan's defence).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from simulator.kinds import NEGATIVE_KINDS, PostKind, Story

if os.environ.get("STORMDRILL_NO_JIT"):  # pragma: no cover - the fallback test sets it
    def njit(*args: Any, **kwargs: Any) -> Any:
        """Run uncompiled: same results, slower."""
        if args and callable(args[0]):
            return args[0]
        return lambda f: f
else:
    try:  # pragma: no cover - exercised by whichever is installed
        from numba import njit
    except ImportError:  # pragma: no cover
        def njit(*args: Any, **kwargs: Any) -> Any:
            """Run uncompiled when numba is missing: same results, slower."""
            if args and callable(args[0]):
                return args[0]
            return lambda f: f

# Every kernel is compiled with nogil=True: it releases the GIL while it runs, so a drill's
# UI thread keeps handling keys while a simulation advances in another thread.

# counters
(N_POSTS, HEAP, RAND, NEGATIVES, SEEN, DEF_SEEN, CANDIDATES, REJECTED, REACHED, PARTICIPANTS,
 OUT_PARTICIPANTS, OUT_SEEN, OUT_CAP) = range(13)
N_COUNTERS = 13
# float parameters and accumulators
(P_CONTENT, P_BOUND, P_REPEAT, P_DEFENCE, P_DEFEND, P_LIFETIME, P_BRAND, P_MASS, P_VIS,
 P_OUT, P_FLOOR, P_TREND_V, P_TREND_K, P_BOOST_UNTIL, P_VOL, P_VOL_T, P_VOL_TAU, P_T0,
 P_T0_DEL, P_NOV_TAU, P_NOV_BETA, P_FATIGUE_N, P_W_BASE, P_W_RESP, P_SPOKEN, P_NR_AFTER,
 P_NR_RAMP, P_NR_PEN, P_W_EXTRA, P_DEF_TRUST, P_DMG, P_DMG_BASE, P_CHAN, P_POOL, P_TREND_AT,
 P_DISCOVERY, P_SEEN_CAP, P_T_NEWS, P_REFRESH, P_STORY0) = range(40)
N_STORIES = 6
N_FLOATS = P_STORY0 + N_STORIES
# kernel parameters
K_KIND, K_C, K_S0, K_THETA, K_RATE, K_HORIZON = range(6)
# clock parameters
C_IDENTITY, C_OFFSET, C_OP0, C_DAY_OP, C_BIN = range(5)

# storylines and post kinds: integer copies of simulator.kinds for the compiler
S_COMPLAINT, S_DELETION, S_DEFENCE, S_SUPPORT = (
    int(Story.COMPLAINT), int(Story.DELETION), int(Story.DEFENCE), int(Story.SUPPORT))
S_REIGNITE, S_BACKLASH = int(Story.REIGNITE), int(Story.BACKLASH)
K_COMPLAINT, K_RESHARE, K_REIGNITED, K_DELETION, K_DEFENCE = (
    int(PostKind.COMPLAINT), int(PostKind.RESHARE), int(PostKind.REIGNITED),
    int(PostKind.DELETION), int(PostKind.DEFENCE))
K_MEDIA, K_INFLUENCER, K_COMPETITOR = (
    int(PostKind.MEDIA), int(PostKind.INFLUENCER), int(PostKind.COMPETITOR))
K_STATEMENT, K_BACKLASH, K_SUPPORT = (
    int(PostKind.STATEMENT), int(PostKind.BACKLASH), int(PostKind.SUPPORT))
K_NEGATIVE = tuple(sorted(NEGATIVE_KINDS))  # a constant tuple of ints for the compiler
OUTSIDE = 16  # added to a heap entry's story when the exposure came from outside the graph
VIEW = 32  # added to a heap entry that is an outside viewer finding the post (not a reaction)
ON_CHANNEL, DELETED = 1, 2  # p_flags bits
DIGITS = float(2**24)  # a candidate's delay uniform is frac(u * 2**24): u's low-order digits

DONE, NEED_ROOM = 0, 1


GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)


def outside_cap(mean: float) -> int:
    """Most outside viewers one post can draw: the Poisson draw is capped here.

    Ten standard deviations above the mean: the cut-off mass is below 1e-20
    for every allowed mean, and the cap sizes the arrays' headroom.
    """
    return int(mean + 10.0 * math.sqrt(mean) + 10.0) if mean > 0 else 0


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
def is_negative(kind: int) -> bool:
    """A post of this kind is part of the storm's anger (`simulator.kinds.NEGATIVE_KINDS`)."""
    return kind in K_NEGATIVE


@njit(cache=True, nogil=True)
def carries_storm(kind: int) -> bool:
    """Seeing this post is seeing the storm: it counts for reach and forms a judgement."""
    return is_negative(kind) or kind in (K_MEDIA, K_COMPETITOR)


@njit(cache=True, nogil=True)
def kernel_cdf(kp: np.ndarray, s: float) -> float:
    """Share of reactions by delay s (hours), truncated at the horizon."""
    s = min(max(s, 0.0), kp[K_HORIZON])
    if kp[K_KIND] == 1.0:
        return -math.expm1(-kp[K_RATE] * s)
    c, s0, th = kp[K_C], kp[K_S0], kp[K_THETA]
    if s <= s0:
        return c * s
    return c * s0 + c * s0 / th * (1.0 - (s / s0) ** (-th))


@njit(cache=True, nogil=True)
def kernel_ppf(kp: np.ndarray, x: float) -> float:
    """Delay at raw CDF level x (below cdf(horizon))."""
    if kp[K_KIND] == 1.0:
        return -math.log1p(-x) / kp[K_RATE]
    c, s0, th = kp[K_C], kp[K_S0], kp[K_THETA]
    flat = c * s0
    if x <= flat:
        return x / c
    return s0 * max(1.0 - (x - flat) * th / flat, 1e-300) ** (-1.0 / th)


@njit(cache=True, nogil=True)
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


# ---- the model's time-varying factors (each at most 1 where it thins) ------------------------
@njit(cache=True, nogil=True)
def recent_volume(fp: np.ndarray, t: float) -> float:
    """Negative posts per hour lately: an exponentially weighted count at time t."""
    dt = max(t - fp[P_VOL_T], 0.0)
    return fp[P_VOL] * math.exp(-dt / fp[P_VOL_TAU]) / fp[P_VOL_TAU]


@njit(cache=True, nogil=True)
def trend(fp: np.ndarray, t: float) -> float:
    """T(V): from `search_floor` to 1 as recent volume passes the trend threshold."""
    if t < fp[P_BOOST_UNTIL]:
        return 1.0
    ratio = recent_volume(fp, t) / fp[P_TREND_V]
    if ratio <= 0.0:
        return fp[P_FLOOR]
    hill = 1.0 / (1.0 + ratio ** -fp[P_TREND_K])  # x / (1 + x), x = ratio^k, without overflow
    return fp[P_FLOOR] + (1.0 - fp[P_FLOOR]) * hill


@njit(cache=True, nogil=True)
def _fresh(fp: np.ndarray, age: float) -> float:
    if age <= 0.0 or fp[P_NOV_TAU] <= 0.0:
        return 1.0
    return math.exp(-((age / fp[P_NOV_TAU]) ** fp[P_NOV_BETA]))


@njit(cache=True, nogil=True)
def novelty(fp: np.ndarray, t: float, story: int) -> float:
    """Interest left in a story of this age (stretched exponential, Wu & Huberman 2007).

    A new development (a news story, an influencer, a second victim, a staff
    post, a defensive or contradictory statement) makes the story partly new
    again: `novelty_refresh` of a fresh story's interest, decaying from then.
    """
    origin = fp[P_T0_DEL] if story == S_DELETION else fp[P_T0]
    level = _fresh(fp, t - origin)
    if fp[P_T_NEWS] > origin and t >= fp[P_T_NEWS]:
        level = max(level, fp[P_REFRESH] * _fresh(fp, t - fp[P_T_NEWS]))
    return level


@njit(cache=True, nogil=True)
def fatigue(cnt: np.ndarray, fp: np.ndarray) -> float:
    """Willingness to join falls as more people already have (Johnen et al. 2018)."""
    return 1.0 / (1.0 + cnt[PARTICIPANTS] / fp[P_FATIGUE_N])


@njit(cache=True, nogil=True)
def judgement(fp: np.ndarray, t: float) -> float:
    """Weight of one judgement formed at time t from what was visible then
    (docs/model.md, "6.1 Judgements"; R: docs/model.md, "6.2 The response weight R(t)")."""
    if fp[P_SPOKEN] > 0.0:
        response = fp[P_W_RESP]
    else:
        late = (t - fp[P_T0] - fp[P_NR_AFTER]) / fp[P_NR_RAMP]
        late = min(max(late, 0.0), 1.0)
        response = 1.0 + (fp[P_NR_PEN] - 1.0) * late
    return fp[P_W_BASE] * response * fp[P_W_EXTRA]


@njit(cache=True, nogil=True)
def poisson_draw(u: float, mean: float, cap: int) -> int:
    """Poisson(mean) by inversion of one uniform, capped at `cap`."""
    if mean <= 0.0:
        return 0
    p = math.exp(-mean)
    total = p
    k = 0
    while u > total and k < cap:
        k += 1
        p *= mean / k
        total += p
    return k


# ---- the heap -------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _less(h_t: np.ndarray, h_v: np.ndarray, h_pid: np.ndarray, i: int, j: int) -> bool:
    if h_t[i] != h_t[j]:
        return h_t[i] < h_t[j]
    if h_v[i] != h_v[j]:
        return h_v[i] < h_v[j]
    return h_pid[i] < h_pid[j]


@njit(cache=True, nogil=True)
def _swap(h_t, h_v, h_pid, h_story, h_u, i, j):
    h_t[i], h_t[j] = h_t[j], h_t[i]
    h_v[i], h_v[j] = h_v[j], h_v[i]
    h_pid[i], h_pid[j] = h_pid[j], h_pid[i]
    h_story[i], h_story[j] = h_story[j], h_story[i]
    h_u[i], h_u[j] = h_u[j], h_u[i]


@njit(cache=True, nogil=True)
def heap_push(cnt, h_t, h_v, h_pid, h_story, h_u, t, v, pid, story, u):
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


@njit(cache=True, nogil=True)
def heap_pop(cnt, h_t, h_v, h_pid, h_story, h_u):
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


# ---- seeing and posting -----------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _see(cnt, fp, expo, saw, v, t):
    """User v sees the storm; the first time, count the reach and record a judgement."""
    expo[v] += 1
    cnt[SEEN] += 1
    if expo[v] == 1:
        cnt[REACHED] += 1
        w = judgement(fp, t)
        if saw[v] == 1:
            w *= fp[P_DEF_TRUST]
        fp[P_DMG] += w
        fp[P_DMG_BASE] += fp[P_W_BASE]


@njit(cache=True, nogil=True)
def _next_rand(cnt, rand):
    r = cnt[RAND]
    cnt[RAND] = r + 1
    return rand[r]


@njit(cache=True, nogil=True)
def post(cnt, fp, kp, indptr, indices, edge_key, audience, posted, mute, adv, fan, expo, saw,
         p_t, p_author, p_kind, p_thr, p_flags, p_parent, h_t, h_v, h_pid, h_story, h_u, rand,
         op, t, author, kind, story, reader_factor, parent):
    """Publish a post and push the candidate reactions of those who see it.

    Followers see it with probability `visibility` (an `audience`, the readers
    of a story or a jab, sees it for sure). A viewer with uniform u becomes a
    candidate if u < p_sched x mass (the upper bound of every later
    multiplier); its delay comes from u's low digits, and it is accepted when
    it fires if u < p_eff x mass then. The first complaint post of a graph
    user uses the run's fixed per-edge uniforms (common random numbers across
    paired runs); other posts draw from the run's uniform stream. A negative
    post also reaches Poisson(outside_reach x T) random non-followers.
    """
    own = audience.size == 0
    if own:
        a, b = indptr[author], indptr[author + 1]
    else:
        a, b = 0, audience.size
    pid = cnt[N_POSTS]
    cnt[N_POSTS] = pid + 1
    p_t[pid], p_author[pid], p_kind[pid], p_parent[pid] = t, author, kind, parent
    p_flags[pid] = 0
    p_thr[pid] = 0.0
    negative = is_negative(kind)
    if negative:
        cnt[NEGATIVES] += 1
        dt = max(t - fp[P_VOL_T], 0.0)
        fp[P_VOL] = fp[P_VOL] * math.exp(-dt / fp[P_VOL_TAU]) + 1.0
        fp[P_VOL_T] = max(t, fp[P_VOL_T])
        if author >= 0 and (fan[author] == 1 or _next_rand(cnt, rand) < fp[P_CHAN]):
            p_flags[pid] = ON_CHANNEL
    if story == S_SUPPORT and kind == K_SUPPORT:
        return pid  # passing on an apology: seen, not spread further
    vis = 1.0
    if own:  # a big account's followers do not all see it: at most `seen_cap` on average
        vis = fp[P_VIS]
        if vis * (b - a) > fp[P_SEEN_CAP]:
            vis = fp[P_SEEN_CAP] / (b - a)
    if story == S_DEFENCE:
        for j in range(a, b):
            v = indices[j] if own else audience[j]
            if _next_rand(cnt, rand) < vis:
                saw[v] = 1
                cnt[DEF_SEEN] += 1
        return pid
    base = fp[P_CONTENT] * fp[P_STORY0 + story] * reader_factor
    mass = fp[P_MASS]
    if fp[P_LIFETIME] > 0.0:
        cut = -math.log(1.0 - _next_rand(cnt, rand)) / fp[P_LIFETIME]
        if cut < kp[K_HORIZON]:
            mass = kernel_cdf(kp, cut)
    thr = min(1.0, base * fp[P_BOUND]) * mass
    fthr = fp[P_DEFEND] * mass if (fp[P_DEFEND] > 0.0 and story == S_COMPLAINT) else -1.0
    p_thr[pid] = base * mass
    storm = carries_storm(kind)
    reached = 0 if own else OUTSIDE  # a story's or a jab's readers are outside the graph
    fixed = own and story == S_COMPLAINT and kind == K_COMPLAINT
    done = posted[S_COMPLAINT if story == S_BACKLASH else story]
    pushed = 0
    for j in range(a, b):
        v = indices[j] if own else audience[j]
        u = edge_uniform(edge_key, j) if fixed else _next_rand(cnt, rand)
        if u >= vis:
            continue
        u = u / vis
        if storm:
            _see(cnt, fp, expo, saw, v, t)
        if adv[v] == 1:
            if u < fthr:
                delay = kernel_ppf(kp, ((u * DIGITS) % 1.0) * mass)
                heap_push(cnt, h_t, h_v, h_pid, h_story, h_u, op + delay, v, pid, S_DEFENCE, u)
                pushed += 1
        elif u < thr and done[v] == 0 and mute[v] == 0:
            delay = kernel_ppf(kp, ((u * DIGITS) % 1.0) * mass)
            heap_push(cnt, h_t, h_v, h_pid, h_story, h_u, op + delay, v, pid, story + reached,
                      u)
            pushed += 1
    if negative and fp[P_OUT] > 0.0:
        level = trend(fp, t)
        if level >= 0.5 and fp[P_TREND_AT] < 0.0:
            fp[P_TREND_AT] = t
        k = poisson_draw(_next_rand(cnt, rand), fp[P_OUT] * level, cnt[OUT_CAP])
        pool = int(fp[P_POOL])
        for _ in range(k):
            v = min(int(_next_rand(cnt, rand) * pool), pool - 1)
            u = _next_rand(cnt, rand)
            if mute[v] == 1 and adv[v] == 0:
                continue  # the brand and media accounts do not search for the storm
            # an outside viewer finds the post after an exponential discovery delay
            found = op - math.log(1.0 - _next_rand(cnt, rand)) * fp[P_DISCOVERY]
            heap_push(cnt, h_t, h_v, h_pid, h_story, h_u, found, v, pid, story + VIEW, u)
    cnt[CANDIDATES] += pushed
    return pid


@njit(cache=True, nogil=True)
def _outside_view(cnt, fp, kp, posted, adv, expo, saw, p_thr, p_flags, h_t, h_v, h_pid, h_story,
                  h_u, op, t, v, pid, story, u):
    """An outside viewer finds a post (search, trends): they see the storm, may react.

    A deleted comment can no longer be found. The candidate test is the
    post's own scheduling bound, as for a follower.
    """
    if p_flags[pid] & DELETED:
        return
    cnt[OUT_SEEN] += 1
    _see(cnt, fp, expo, saw, v, t)
    mass = fp[P_MASS]
    if adv[v] == 1:
        if story == S_COMPLAINT and u < fp[P_DEFEND] * mass:
            delay = kernel_ppf(kp, ((u * DIGITS) % 1.0) * mass)
            heap_push(cnt, h_t, h_v, h_pid, h_story, h_u, op + delay, v, pid, S_DEFENCE, u)
            cnt[CANDIDATES] += 1
        return
    thr = min(p_thr[pid] * fp[P_BOUND], mass)
    if u < thr and posted[S_COMPLAINT if story == S_BACKLASH else story, v] == 0:
        delay = kernel_ppf(kp, ((u * DIGITS) % 1.0) * mass)
        heap_push(cnt, h_t, h_v, h_pid, h_story, h_u, op + delay, v, pid, story + OUTSIDE, u)
        cnt[CANDIDATES] += 1


@njit(cache=True, nogil=True)
def advance(cnt, fp, kp, clk, cum, rates, indptr, indices, edge_key, posted, mute, adv, fan,
            joined, expo, saw, p_t, p_author, p_kind, p_thr, p_flags, p_parent, h_t, h_v, h_pid,
            h_story, h_u, rand, limit, room):
    """Fire every candidate with operational time < `limit`; DONE or NEED_ROOM."""
    empty = np.zeros(0, dtype=np.int32)
    while cnt[HEAP] > 0 and h_t[0] < limit:
        if (cnt[N_POSTS] + 1 >= p_t.size or cnt[HEAP] + room + 1 >= h_t.size
                or cnt[RAND] + room + 2 >= rand.size):
            return NEED_ROOM
        i = heap_pop(cnt, h_t, h_v, h_pid, h_story, h_u)
        op, v, pid, u = h_t[i], h_v[i], h_pid[i], h_u[i]
        t = to_sim(clk, cum, rates, op)
        if h_story[i] >= VIEW:
            _outside_view(cnt, fp, kp, posted, adv, expo, saw, p_thr, p_flags, h_t, h_v, h_pid,
                          h_story, h_u, op, t, v, pid, h_story[i] - VIEW, u)
            continue
        outside = h_story[i] >= OUTSIDE
        story = h_story[i] - OUTSIDE if outside else h_story[i]
        if story == S_REIGNITE:
            post(cnt, fp, kp, indptr, indices, edge_key, empty, posted, mute, adv, fan, expo,
                 saw, p_t, p_author, p_kind, p_thr, p_flags, p_parent, h_t, h_v, h_pid, h_story,
                 h_u, rand, op, t, v, K_REIGNITED, S_COMPLAINT, 1.0, -1)
            continue
        if story == S_DEFENCE:
            if posted[S_DEFENCE, v] == 0:
                posted[S_DEFENCE, v] = 1
                post(cnt, fp, kp, indptr, indices, edge_key, empty, posted, mute, adv, fan,
                     expo, saw, p_t, p_author, p_kind, p_thr, p_flags, p_parent, h_t, h_v,
                     h_pid, h_story, h_u, rand, op, t, v, K_DEFENCE, S_DEFENCE, 1.0, pid)
            continue
        row = S_COMPLAINT if story == S_BACKLASH else story
        if posted[row, v] == 1:
            continue
        if p_flags[pid] & DELETED:
            cnt[REJECTED] += 1
            continue
        q = p_thr[pid]
        if story != S_SUPPORT:
            q *= fp[P_BRAND] * novelty(fp, t, story) * fatigue(cnt, fp)
            if expo[v] >= 2:
                q *= fp[P_REPEAT]
            if saw[v] == 1:
                q *= fp[P_DEFENCE]
        if u >= q:
            cnt[REJECTED] += 1
            continue
        posted[row, v] = 1
        if story == S_SUPPORT:
            kind = K_SUPPORT
        elif story == S_DELETION:
            kind = K_DELETION
        elif story == S_BACKLASH:
            kind = K_BACKLASH
        else:
            kind = K_RESHARE
        if kind != K_SUPPORT and joined[v] == 0:
            joined[v] = 1
            cnt[PARTICIPANTS] += 1
            if outside:
                cnt[OUT_PARTICIPANTS] += 1
        spreads_as = S_COMPLAINT if story == S_BACKLASH else story
        post(cnt, fp, kp, indptr, indices, edge_key, empty, posted, mute, adv, fan, expo, saw,
             p_t, p_author, p_kind, p_thr, p_flags, p_parent, h_t, h_v, h_pid, h_story, h_u,
             rand, op, t, v, kind, spreads_as, 1.0, pid)
    return DONE
