"""One simulated crisis: SimPy clock, spread loop, brand, media and injects.

A run is a pure function of (scenario, seed, strategy, journal). SimPy's
Environment is the master clock; the spread is one process that advances the
array loop up to the earlier of one hour ahead and the next SimPy event, so
every brand action takes effect at its exact time. The outside world reads
the run only through `snapshot()`, `summary()` and `feed()`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Generator, Iterable
from datetime import datetime
from typing import Any

import numpy as np
import simpy
from simpy.core import URGENT

from simulator.actions import Action, ActionError, JournalEntry
from simulator.brand import BrandState
from simulator.config import CONTENT_CAP, Inject, Scenario
from simulator.coverage import Coverage
from simulator.diurnal import make_time_change
from simulator.feed import FeedItem, post_items
from simulator.injects import play_inject
from simulator.kernel import make_kernel
from simulator.kinds import NEGATIVE_KINDS, EventKind, PostKind, Story
from simulator.metrics import Snapshot, hourly_negative, run_summary
from simulator.network import Network, UserType
from simulator.population import build_network
from simulator.rng import stream
from simulator.spread import SpreadParams, SpreadState
from simulator.strategy import Strategy
from simulator.trust import TrustIndex

# A SimPy process: yields the events it waits for (timeouts, detection), returns nothing.
_Process = Generator[simpy.Event, Any, None]


class Simulation:
    """A complaint spreading through a follower network while the brand responds."""

    def __init__(self, scenario: Scenario, seed: int = 0, strategy: Strategy | None = None,
                 journal: Iterable[JournalEntry] = (), network: Network | None = None,
                 fork: tuple[float, int] | None = None) -> None:
        """`fork=(t, k)`: from time t on, draw from replica k's streams instead.

        The run is identical to the unforked one up to t, then its randomness
        is replica k's: forecasts and counterfactuals keep the real past and
        compare arms over paired replicas of the future (same k, same draws).
        """
        self.scenario = scenario
        self.seed = int(seed)
        self.fork = fork
        self.strategy = strategy
        self.journal: list[JournalEntry] = []
        self._unreplayed: list[JournalEntry] = []
        self.events: list[FeedItem] = []  # brand actions, detection, injects, media stories
        self.env = simpy.Environment()
        self.net = network if network is not None else build_network(scenario, self.seed)
        self.duration = float(scenario.duration_h)
        self.start = datetime.fromisoformat(scenario.start)
        start_hour = self.start.hour + self.start.minute / 60.0
        sc = scenario
        self.brand = BrandState(fx=sc.response, hedonic=sc.complaint.context == "hedonic",
                                complaint_at=sc.complaint.posted_at_h)
        types = self.net.types
        # the users who can read, search and post (not the brand or media accounts)
        self._readers = np.flatnonzero(
            (types == UserType.ORDINARY) | (types == UserType.INFLUENCER)
            | (types == UserType.ADVOCATE)).astype(np.int32)
        self._population = int(self._readers.size) or 1
        self._rng = {name: stream(self.seed, name) for name in
                     ("brand", "media", "injects", "seeds", "staff")}
        self.spread = SpreadState(
            net=self.net, kernel=make_kernel(sc.spread),
            clock=make_time_change(sc.spread, start_hour),
            params=self._spread_params(), rng=stream(self.seed, "spread"),
            edge_key=int(stream(self.seed, "edges").integers(0, 2**63)))
        self.coverage = Coverage(list(sc.plan.coverage), self.start)
        self.detected = self.env.event()
        self._alerted = False
        self._deletion_noticed = False
        self.deletions_noticed = 0
        self._trending_reported = False
        self._outlets = list(self.net.media)
        self.media_stories = 0
        self._hours = math.ceil(self.duration)
        self.reach_h = np.zeros(self._hours + 1, dtype=np.int64)
        self._hours_done = 0
        self.trust = TrustIndex(sc.reputation, sc.response, self._population, self._hours)

        env = self.env
        env.process(self._drive_spread())
        env.process(self._seed_complaint())
        env.process(self._hourly())
        if sc.plan.enabled:
            env.process(self._monitor())
            if strategy is not None:
                env.process(self._play_strategy(strategy))
            if sc.response.staff_offmessage_per_day > 0:
                env.process(self._staff_offmessage())
        if sc.media.enabled and self._outlets:
            env.process(self._media())
        for inject in sc.injects:
            env.process(self._inject(inject))
        if fork is not None:  # before the journal: an action at the fork time is future
            self._at(fork[0], lambda: self.branch(fork[1]))
        for entry in journal:
            self._schedule_replay(entry)

    def branch(self, replica: int) -> None:
        """Switch every random stream to replica `replica`'s from now on (see `fork`).

        Public so that `simulator.futures` can branch a copy of a running
        simulation: called at time t, before anything else happens at t, it
        gives exactly the run `Simulation(..., fork=(t, replica))` replays.
        """
        key = f"#fork{replica}"
        self._rng = {name: stream(self.seed, name + key) for name in self._rng}
        self.spread.reseed(stream(self.seed, "spread" + key),
                           int(stream(self.seed, "edges" + key).integers(0, 2**63)))

    # ---- set-up ---------------------------------------------------------------------------
    def _spread_params(self) -> SpreadParams:
        """The loop's numbers, from the scenario (docs/model.md, "3.1 Candidates and thinning")."""
        sc = self.scenario
        sp, cp, fx, rep = sc.spread, sc.complaint, sc.response, sc.reputation
        pool = self._population
        if sp.per_exposure_prob is not None:
            p0 = sp.per_exposure_prob
        else:  # the branching ratio is over seen exposures
            # (docs/model.md, "4.1 Seeing: visibility and the seen cap")
            n_star = self.net.seen_star(sp.visibility, sp.seen_cap)
            p0 = min(1.0, sp.branching_ratio / n_star) if n_star > 0 else 0.0
        evidence = {"video": cp.evidence_multiplier_video,
                    "photo": cp.evidence_multiplier_photo}.get(cp.evidence, 1.0)
        severity = {"victim": rep.severity_victim, "accident": rep.severity_accident,
                    "preventable": rep.severity_preventable}[cp.crisis_type]
        vivid = {"video": rep.severity_video,
                 "photo": 1.0 + (rep.severity_video - 1.0) / 2}.get(cp.evidence, 1.0)
        # the team may act even with the plan layer off, so the bound always covers the brand
        return SpreadParams(
            p0=p0, content=min(CONTENT_CAP, cp.arousal * evidence),
            deletion_factor=fx.delete_story_reshare,
            bound=self.brand.bound * sp.repeat_exposure, repeat_exposure=sp.repeat_exposure,
            defence_effect=sc.advocates.defence_effect, defend_prob=sc.advocates.defend_prob,
            advocates=sc.advocates.enabled, lifetime_rate=sp.post_lifetime_rate_per_h,
            visibility=sp.visibility, outside_reach=sp.outside_reach,
            discovery_h=sp.discovery_h, seen_cap=sp.seen_cap,
            search_floor=sp.search_floor, trend_volume=sp.trend_share_per_h * pool,
            trend_steepness=sp.trend_steepness, volume_window_h=sp.volume_window_h,
            complaint_at=cp.posted_at_h, novelty_h=sp.novelty_days * 24.0,
            novelty_shape=sp.novelty_shape, novelty_refresh=sp.novelty_refresh,
            fatigue_n=sp.fatigue_share * pool,
            judgement_base=severity * vivid, no_reply_after_h=fx.expected_reply_h,
            no_reply_ramp_h=fx.no_reply_ramp_h, no_reply_penalty=fx.trust_no_reply,
            defence_trust=sc.advocates.trust_effect if sc.advocates.enabled else 1.0,
            on_channel=fx.on_channel)

    def _seed_users(self) -> list[int]:
        cp = self.scenario.complaint
        if cp.seed_users:
            return [int(u) for u in cp.seed_users]
        if self.net.complainant >= 0:
            return [self.net.complainant]
        users = np.flatnonzero(self.net.types == UserType.ORDINARY)
        if not users.size:  # every reader is an advocate: one of them is the complainant
            users = np.flatnonzero(self.net.types == UserType.ADVOCATE)
        return [int(self._rng["seeds"].choice(users))] if users.size else []

    # ---- processes ------------------------------------------------------------------------
    def _drive_spread(self) -> _Process:
        env = self.env
        while True:
            target = min(env.now + 1.0, env.peek())
            self.spread.advance(target)
            if not self._trending_reported and self.spread.trending_at is not None:
                self._trending_reported = True
                self.events.append(FeedItem(t=self.spread.trending_at,
                                            kind=EventKind.TRENDING.value))
            yield env.timeout(target - env.now)

    def _seed_complaint(self) -> _Process:
        yield self.env.timeout(self.scenario.complaint.posted_at_h)
        for u in self._seed_users():
            self.post_as(u, PostKind.COMPLAINT)

    def post_as(self, author: int, kind: PostKind, story: Story = Story.COMPLAINT, *,
                reader_factor: float = 1.0, audience: np.ndarray | None = None) -> int:
        """`author` posts now (an inject's influencer or second victim, a seed complaint)."""
        if story in (Story.COMPLAINT, Story.DELETION) and author >= 0:
            self.spread.posted[story][author] = 1
        return self.spread.post(self.env.now, author, kind, story,
                                reader_factor=reader_factor, audience=audience)

    def _hourly(self) -> _Process:
        """Hourly reach and trust index."""
        for _ in range(1, self._hours):
            yield self.env.timeout(1.0)
            self._sample_hour()

    def _sample_hour(self) -> None:
        """Record reach and the trust index for the hour just completed."""
        self._hours_done += 1
        self.reach_h[self._hours_done] = self.spread.reach
        self.trust.close_hour(self.spread.damage)

    @property
    def reputation_h(self) -> np.ndarray:
        """The trust index at the end of each hour so far (index 0: before the crisis)."""
        return self.trust.hourly

    @property
    def hours_done(self) -> int:
        return self._hours_done

    def _negative_count(self) -> int:
        return self.spread.negatives

    def _monitor(self) -> _Process:
        plan = self.scenario.plan
        interval = plan.poll_interval_min / 60.0
        reported = 0
        while True:
            yield self.env.timeout(interval)
            if not self.coverage.covered(self.env.now):
                continue
            mentions = self._negative_count()
            if self._alerted or mentions >= plan.detection_threshold:
                self.brand.detected_at = self.env.now
                self.announce(EventKind.DETECTED)
                self.detected.succeed()
                return
            if mentions > reported:  # the digest a listening tool shows below its alert level
                reported = mentions
                self.announce(EventKind.LISTENING, mentions=mentions,
                            threshold=plan.detection_threshold)

    def _play_strategy(self, strategy: Strategy) -> _Process:
        yield self.detected
        t0 = self.env.now
        if strategy.typical_webcare:
            fx, rng = self.scenario.response, self._rng["brand"]
            never = rng.random() < fx.webcare_never_prob
            latency = fx.webcare_latency_median_h * math.exp(
                fx.webcare_latency_sigma * rng.standard_normal())
            # Einwiller & Steilen measured latency from the complaint, not from detection
            after = max(0.0, self.brand.complaint_at + latency - t0)
            strategy = dataclasses.replace(strategy, respond_after_h=None if never else after)
        for at, action in strategy.timeline(self.duration - t0):
            wait = t0 + at - self.env.now
            if wait > 0:
                yield self.env.timeout(wait)
            self._apply(action, source="strategy")

    def _media(self) -> _Process:
        """Pickup hazard from the storm's volume relative to the population, and novelty."""
        m = self.scenario.media
        reference = m.reference_share_per_h * self._population
        while self._outlets:
            yield self.env.timeout(m.check_every_h)
            now = self.env.now
            volume = self.spread.recent_volume(now)
            if volume <= 0 or not self._outlets:  # a journalist may have taken the last one
                continue
            hazard = (m.hazard_per_h * (volume / reference) ** m.kappa
                      * self.spread.novelty(now))
            if self._deletion_noticed:
                hazard *= self.scenario.response.delete_story_media
            rng = self._rng["media"]  # read each time: a fork swaps the streams
            if rng.random() < -math.expm1(-hazard * m.check_every_h):
                outlet = self._outlets.pop(0)
                lag = m.lag_median_h * math.exp(m.lag_sigma * rng.standard_normal())
                self.env.process(self._publish_story(outlet, lag))

    def _publish_story(self, outlet: int, lag: float) -> _Process:
        yield self.env.timeout(lag)
        self.broadcast_story(outlet)

    def broadcast_story(self, outlet: int) -> None:
        """A news story: read by a share of all users, followers or not; the storm trends."""
        m = self.scenario.media
        size = min(self._population, round(m.readership * self._population))
        readers = np.sort(self._rng["media"].choice(self._population, size=size,
                                                    replace=False))
        self.spread.post(self.env.now, outlet, PostKind.MEDIA, Story.COMPLAINT,
                         reader_factor=m.reader_factor, audience=self._readers[readers])
        self.spread.boost_trend(self.env.now + m.trend_boost_h)
        self.spread.refresh_novelty(self.env.now)
        self.media_stories += 1
        if self.brand.first_media_at is None:
            self.brand.first_media_at = self.env.now
        self.announce(EventKind.MEDIA_STORY, actor=outlet)

    def _staff_offmessage(self) -> _Process:
        fx = self.scenario.response
        rate = fx.staff_offmessage_per_day / 24.0
        yield self.env.timeout(self.scenario.complaint.posted_at_h)
        while True:
            yield self.env.timeout(self._rng["staff"].exponential(1.0 / rate))
            keep = fx.briefing_factor if self.brand.briefed else 1.0
            if self._rng["staff"].random() < keep:
                self.staff_post()

    def staff_post(self, text: str = "") -> None:
        """A staff member posts off-message: a contradiction of the brand's line."""
        self.announce(EventKind.STAFF_POST, text)
        self.brand.contradict(self.env.now)
        self.spread.refresh_novelty(self.env.now)
        self._respond_changed()
        self._reignite()

    def _inject(self, inject: Inject, delay: float | None = None) -> _Process:
        return play_inject(self, inject, delay)

    # ---- actions --------------------------------------------------------------------------
    def act(self, action: Action) -> None:
        """Apply a team action now and write it to the journal."""
        self.journal.append(JournalEntry(self.env.now, action))
        self._apply(action, source="team")

    def fire_inject(self, index: int, text: str = "") -> None:
        """Fire scenario inject `index` now (a facilitator's ad hoc call), journaled.

        `text`, when given, is the facilitator's own wording: the feed shows it
        instead of the scenario's text, and the journal keeps it for replays.
        """
        if not 0 <= index < len(self.scenario.injects):
            raise ActionError(f"no inject {index}; the scenario has "
                              f"{len(self.scenario.injects)} (0 to "
                              f"{len(self.scenario.injects) - 1})")
        entry = JournalEntry(self.env.now, inject=index, text=text)
        self.journal.append(entry)
        self._receive(entry)

    def apply(self, entry: JournalEntry) -> None:
        """Apply a journal entry now, as the drill does (`act` or `fire_inject`).

        A forked future applies its arm's entries with this, so it treats
        them exactly as a team's keys or a facilitator's inject.
        """
        if entry.inject is not None:
            self.fire_inject(entry.inject)
        else:
            # JournalEntry.__post_init__ guarantees exactly one of inject and action
            assert entry.action is not None
            self.act(entry.action)

    def _receive(self, entry: JournalEntry) -> None:
        if entry.inject is not None:
            inject = self.scenario.injects[entry.inject]
            if entry.text:
                inject = dataclasses.replace(inject, text=entry.text)
            self.env.process(self._inject(inject, delay=0.0))
        else:
            # JournalEntry.__post_init__ guarantees exactly one of inject and action
            assert entry.action is not None
            self._apply(entry.action, source="team")

    def _schedule_replay(self, entry: JournalEntry) -> None:
        """Re-apply a journaled action at its time, before anything else at that time."""

        def fire() -> None:
            self._unreplayed.remove(entry)
            self.journal.append(entry)
            self._receive(entry)

        self._unreplayed.append(entry)
        self._at(entry.at_h, fire)

    @property
    def unreplayed(self) -> list[JournalEntry]:
        """Journal entries given to this run that its clock has not reached yet (a session
        resumed at hour 0 has all of its hour-0 actions here until the clock moves): whoever
        saves the journal saves these too, after `journal`, in this order."""
        return list(self._unreplayed)

    def _at(self, when: float, callback: Callable[[], None]) -> None:
        """Call `callback` at simulation time `when`, before anything else then."""
        event = simpy.Event(self.env)
        event.callbacks.append(lambda _: callback())
        event._ok = True
        event._value = None
        self.env.schedule(event, URGENT, max(0.0, when - self.env.now))

    def _apply(self, action: Action, source: str) -> None:
        self.announce(EventKind.ACTION_TAKEN, action.text or action.kind, detail=action.kind,
                    tone=action.tone, source=source)
        if action.kind == "delete":
            self._delete()
        elif action.kind == "brief_staff":
            self.brand.briefed = True
        else:
            delay = self.scenario.plan.approval_delay_h
            if delay > 0:
                self.env.process(self._publish_later(action, delay, source))
            else:
                self._publish(action, source)

    def _publish_later(self, action: Action, delay: float, source: str) -> _Process:
        yield self.env.timeout(delay)
        self._publish(action, source)

    def _publish(self, action: Action, source: str) -> None:
        """A statement goes out: it is a post, it changes the share multiplier and trust."""
        reaction = self.brand.say(action.kind, action.tone, self.env.now)
        self.announce(EventKind.BRAND_POST, action.text, detail=action.kind,
                    tone=action.tone, source=source, actor=self.net.brand)
        if self.net.brand >= 0:
            self.spread.post(self.env.now, self.net.brand, PostKind.STATEMENT,
                             reaction.story if reaction.story is not None else Story.SUPPORT,
                             reader_factor=reaction.strength)
        self._respond_changed()
        if reaction.provoked:  # a defensive or contradictory statement is news too
            self.spread.refresh_novelty(self.env.now)
            self._reignite()

    def _respond_changed(self) -> None:
        """Tell the spread loop and the trust index what the brand's response now is."""
        mult = self.brand.multiplier()
        if mult > self.brand.bound * (1.0 + 1e-12):  # exact thinning needs this, always
            raise AssertionError(f"share multiplier {mult} above its thinning bound "
                                 f"{self.brand.bound}")
        self.spread.brand_mult = mult
        if self.brand.spoken:
            weight = self.brand.response_weight()
            self.spread.set_response(weight)
            self.trust.response_changed(self.spread.damage, self.spread.damage_base,
                                        weight * self.spread.judgement_extra)

    def _authors(self, kinds: tuple[int, ...]) -> np.ndarray:
        """Distinct graph users who wrote a post of one of these kinds."""
        sp = self.spread
        authors = sp.post_author
        keep = np.isin(sp.post_kind, np.asarray(kinds, dtype=np.int8)) & (authors >= 0)
        return np.unique(authors[keep])

    def _reignite(self) -> None:
        sp = self.spread
        authors = self._authors((PostKind.COMPLAINT, PostKind.RESHARE, PostKind.REIGNITED))
        if not authors.size:
            return
        chosen = authors[self._rng["brand"].random(authors.size)
                         < self.scenario.response.reignite_prob]
        if chosen.size:
            sp.reignite(self.env.now, chosen)

    def _delete(self) -> None:
        """Delete the negative comments on the brand's own channel
        (docs/model.md, "4.7 Deletion on the brand's own channel").

        Each author notices with probability `notice_prob`; the first notice
        starts the "they deleted my comment" storyline, once per run.
        """
        fx = self.scenario.response
        self.brand.deletions += 1
        pids = self.spread.delete_on_channel()
        authors = np.unique(self.spread.post_author[pids])
        authors = authors[authors >= 0]
        rng = self._rng["brand"]
        noticed = authors[rng.random(authors.size) < fx.notice_prob]
        if not noticed.size:
            return
        delays = fx.delete_notice_delay_h * np.exp(0.5 * rng.standard_normal(noticed.size))
        first = int(np.argmin(delays))
        self.env.process(self._deletion_noticed_after(float(delays[first]),
                                                      int(noticed[first]), noticed.size))

    def _deletion_noticed_after(self, delay: float, author: int, count: int) -> _Process:
        yield self.env.timeout(delay)
        self.deletions_noticed += count
        if self._deletion_noticed:
            return
        self._deletion_noticed = True
        self.announce(EventKind.DELETION_NOTICED, actor=author)
        self.spread.start_deletion_story(self.env.now)
        self.spread.set_judgement_extra(self.scenario.response.trust_deletion_noticed)
        self.post_as(author, PostKind.DELETION, Story.DELETION)

    # ---- what an inject may do (simulator/injects.py acts only through the public methods
    # `stream`, `announce`, `alert_team`, `next_outlet`, `broadcast_story`, `post_as` and
    # `staff_post`, and reads `env`, `net`, `spread`, `scenario` and `brand`) ---------------
    def stream(self, name: str) -> np.random.Generator:
        """The run's named random stream; look it up at each use (a fork swaps the streams)."""
        return self._rng[name]

    def alert_team(self) -> None:
        """Something the team cannot miss (a journalist's call): detection at the next poll."""
        self._alerted = True

    def next_outlet(self) -> int:
        """The outlet that runs the next story (the first again when all have), -1 if none."""
        if self._outlets:
            return self._outlets.pop(0)
        return int(self.net.media[0]) if len(self.net.media) else -1

    def announce(self, kind: EventKind, text: str = "", *, actor: int = -1,
                 **extra: object) -> None:
        """Record an event for the feed (kinds, never sentences: the feed words them)."""
        self.events.append(FeedItem(t=self.env.now, kind=kind.value, text=text,
                                    actor=int(actor),
                                    extra={k: v for k, v in extra.items() if v is not None}))

    # ---- running and reading --------------------------------------------------------------
    @property
    def now(self) -> float:
        return float(self.env.now)

    @property
    def detected_at(self) -> float | None:
        """When the team noticed the crisis (None: not yet); what the UI may show of it."""
        return self.brand.detected_at

    @property
    def last_spoken_at(self) -> float | None:
        """When the brand last said something in public (None: never)."""
        return self.brand.last_spoken_at

    @property
    def finished(self) -> bool:
        return self.env.now >= self.duration - 1e-12

    def run(self, until: float | None = None) -> None:
        """Advance to simulation time `until` (hours; default: the end of the run)."""
        target = self.duration if until is None else min(float(until), self.duration)
        if target > self.env.now:
            self.env.run(until=target)
        if target >= self.duration and self._hours_done < self._hours:
            self._sample_hour()  # the last hour ends exactly at the end of the run

    def feed(self, since: tuple[int, int] = (0, 0)) -> tuple[list[FeedItem], tuple[int, int]]:
        """Feed items (posts and brand/inject events) after a cursor, in time order."""
        posts, cursor_posts = post_items(self.spread, since[0])
        items = sorted(posts + self.events[since[1]:], key=lambda it: it.t)
        return items, (cursor_posts, len(self.events))

    def snapshot(self, states: bool = True) -> Snapshot:
        """What can be observed now.

        `states=False` skips the unaware/exposed/active/dormant counts, an
        O(population) pass that summaries and the drill's tick do not need.
        """
        sp = self.spread
        hours = max(1, math.ceil(self.env.now))
        neg = hourly_negative(sp, hours)
        h = self._hours_done
        return Snapshot(
            t=self.now, hourly_negative=neg, sharers=sp.participants, reach=sp.reach,
            defences=int(np.count_nonzero(sp.post_kind == PostKind.DEFENCE)),
            reputation=float(self.reputation_h[h]), media_stories=self.media_stories,
            detected_at=self.brand.detected_at, first_response_at=self.brand.first_response_at,
            last_spoken_at=self.brand.last_spoken_at, brand_multiplier=self.brand.multiplier(
                self.env.now), population=self.net.n, states=self._states() if states else {})

    def _states(self) -> dict[str, int]:
        """Unaware / exposed / active / dormant counts; they always sum to the population."""
        sp = self.spread
        n = self.net.n
        last = np.full(n, -np.inf)
        if len(sp.post_author):
            authors = np.asarray(sp.post_author, dtype=np.int64)
            times = np.asarray(sp.post_time)
            kinds = np.asarray(sp.post_kind)
            ok = (authors >= 0) & np.isin(kinds, np.asarray(sorted(NEGATIVE_KINDS)))
            np.maximum.at(last, authors[ok], times[ok])
        posted = np.isfinite(last)
        active = posted & (self.env.now - last < 24.0)
        exposed = (sp.exposures > 0) & ~posted
        return {"unaware": int(n - exposed.sum() - posted.sum()), "exposed": int(exposed.sum()),
                "active": int(active.sum()), "dormant": int((posted & ~active).sum())}

    def summary(self) -> dict[str, Any]:
        """The outcome figures of the run so far (the `--json` contract)."""
        return run_summary(self)
