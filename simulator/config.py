"""Typed configuration of one simulated crisis.

Every model parameter lives here once, with its default, its plausible range,
its evidence tag ([E] reported, [D] derived, [A] assumed) and its source
(docs/model.md, "Parameters"). The file loader in `scenarios` validates YAML
against these dataclasses and the docs are checked against them, so the three
cannot drift apart.

Units: time in hours unless a name says otherwise; probabilities in [0, 1];
multipliers act on the per-exposure reshare probability.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from simulator.fitted import FITTED
from simulator.locales import LocaleCode


def param(
    default: Any,
    *,
    lo: float | None = None,
    hi: float | None = None,
    tag: str = "",
    source: str = "",
    doc: str = "",
    range_: tuple[float, float] | None = None,
) -> Any:
    """A dataclass field carrying validation bounds and documentation.

    `lo`/`hi` are hard limits (values outside are rejected); `range_` is the
    plausible range, used for sensitivity runs and the docs.
    """
    meta = {"lo": lo, "hi": hi, "tag": tag, "source": source, "doc": doc, "range": range_}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


def section(cls: type, doc: str = "") -> Any:
    """A nested config section with its own defaults."""
    return field(default_factory=cls, metadata={"doc": doc, "section": True})


@dataclass(frozen=True)
class NetworkConfig:
    """The follower graph: synthetic (generated as arrays) or read from a file."""

    kind: Literal["synthetic", "file", "complete", "erdos_renyi"] = param(
        "synthetic", doc="synthetic: heavy-tailed directed graph; file: your own edge list or "
        "GraphML; complete / erdos_renyi: undirected test graphs for validation")
    users: int = param(10_000, lo=10, hi=5_000_000, doc="number of users")
    mean_followers: float = param(20.0, lo=0.5, hi=500.0,
                                  doc="mean follower count (edges per user)")
    follower_tail: float = param(2.2, lo=1.5, hi=5.0, range_=(1.8, 3.0), tag="[A]",
                                 doc="power-law exponent of the follower-count distribution",
                                 source="heavy-tailed follower counts; Kwak et al. 2010")
    influencer_share: float = param(0.001, lo=0.0, hi=0.05, tag="[A]",
                                    doc="top share of users by followers typed as influencers")
    media_outlets: int = param(5, lo=0, hi=100, doc="number of media outlet accounts")
    media_audience: float = param(0.05, lo=0.0, hi=1.0, range_=(0.01, 0.2), tag="[A]",
                                  doc="share of users following each media outlet")
    brand_audience: float = param(0.05, lo=0.0, hi=1.0, tag="[A]",
                                  doc="share of users following the brand account")
    path: str | None = param(None, doc="file path (kind: file), relative to the scenario file")
    format: Literal["edgelist", "graphml"] = param("edgelist", doc="format of `path`")
    undirected: bool = param(False, doc="treat every edge as going both ways")
    seed: int = param(1, lo=0, hi=2**63 - 1,
                      doc="seed of the graph; the population is part of the scenario, "
                      "so replicas of a scenario share it (unless `resample`)")
    resample: bool = param(False, doc="draw a new graph for every run, its seed derived "
                           "from the run's seed and `seed` (network uncertainty in batches "
                           "and calibration); ignored for kind: file")


@dataclass(frozen=True)
class ComplaintConfig:
    """The triggering complaint, who posts it and what kind of crisis it is."""

    arousal: float = param(1.2, lo=1.0, hi=1.5, range_=(1.0, 1.3), tag="[D]",
                           source="Brady et al. meta-analysis (IRR 1.13 per moral-emotional "
                           "word); Herhausen et al. 2019",
                           doc="share multiplier for angry, high-arousal content")
    brand_at_fault: bool = param(True, doc="whether the brand is at fault (shown in briefings)")
    crisis_type: Literal["victim", "accident", "preventable"] = param(
        "accident", tag="[E]", source="Coombs 2007 (SCCT); Ma & Zhan 2016 (r = -.54)",
        doc="how much responsibility the public attributes to the brand; weighs every "
        "judgement (trust.severity_*)")
    context: Literal["utilitarian", "hedonic"] = param(
        "utilitarian", tag="[E]", source="Johnen & Schnittka 2019, JAMS 47",
        doc="hedonic products: pushing back can work (response.trust_defensive_hedonic)")
    evidence: Literal["none", "photo", "video"] = param(
        "none", doc="evidence attached to the complaint")
    evidence_multiplier_video: float = param(1.2, lo=1.0, hi=1.5, range_=(1.0, 1.3), tag="[A]",
                                             source="Hansen, Kupfer & Hennig-Thurau 2018 "
                                             "(vivid triggers)",
                                             doc="share multiplier when evidence is a video")
    evidence_multiplier_photo: float = param(1.1, lo=1.0, hi=1.5, range_=(1.0, 1.2), tag="[A]",
                                             doc="share multiplier when evidence is a photo")
    complainant_followers: int = param(300, lo=0, hi=5_000_000, range_=(100, 10_000),
                                       tag="[A]", doc="followers of the complainant (at most "
                                       "the network's users)")
    seed_users: list[int] = param([], doc="explicit seed users (node ids: 0 to users - 1; "
                                  "in a file network, node positions in order of first "
                                  "appearance, not names); default: the complainant")
    posted_at_h: float = param(0.0, lo=0.0,
                               doc="hours after the start when the complaint is posted")


#: arousal x evidence never exceeds this per exposure (realism target R8;
#: docs/model.md, "3.1 Candidates and thinning")
CONTENT_CAP = 1.5


@dataclass(frozen=True)
class SpreadConfig:
    """How posts are seen and turn into reactions.

    The engine: docs/model.md, "3.1 Candidates and thinning"; its layers:
    docs/model.md, "4. Attention".
    """

    branching_ratio: float = param(0.5, lo=0.0, hi=0.99, range_=(0.3, 0.8), tag="[D]",
                                   source="Goel, Watts & Goldstein 2012; Goel et al. 2016",
                                   doc="mean reshares per post among its followers, before "
                                   "multipliers (p0 is solved over seen exposures)")
    per_exposure_prob: float | None = param(
        None, lo=0.0, hi=1.0, doc="set p0, the base probability per seen exposure, directly "
        "(overrides branching_ratio); a seen exposure leads to a reaction with probability "
        "min(1, p0 x arousal x evidence x the multipliers in force) x F, the kernel mass "
        "within horizon_h (or the post's lifetime)")
    visibility: float = param(0.3, lo=0.01, hi=1.0, range_=(0.1, 0.6), tag="[A]",
                              source="ranked feeds",
                              doc="chance a follower actually sees a given post")
    seen_cap: float = param(300.0, lo=1.0, hi=1e7, range_=(100.0, 1000.0), tag="[A]",
                            source="Kwak et al. 2010 (~1,000 recipients per retweet whatever "
                            "the source's follower count, in a 41M-user network; scaled "
                            "down here)",
                            doc="most followers who see one post on average: a big account's "
                            "visibility is capped so that visibility x followers <= seen_cap")
    outside_reach: float = param(FITTED["spread.outside_reach"],
                       lo=0.0, hi=100.0, range_=(5.0, 40.0), tag="[A]",
                                 source="Myers, Zhu & Leskovec 2012 (29% external); "
                                 "Lamba et al. 2015",
                                 doc="mean random users (in effect non-followers: a follower "
                                 "is drawn with probability followers/users) who see a "
                                 "negative post while the storm trends (search and trends)")
    discovery_h: float = param(FITTED["spread.discovery_h"],
                       lo=0.0, hi=168.0, range_=(1.0, 12.0), tag="[A]",
                               source="trend lists and search results stay up for hours",
                               doc="mean delay (exponential) until an outside viewer finds a "
                               "post; the slow channel of a storm")
    search_floor: float = param(0.05, lo=0.0, hi=1.0, range_=(0.01, 0.2), tag="[A]",
                                doc="share of `outside_reach` that search alone delivers "
                                "before the storm trends")
    trend_share_per_h: float = param(FITTED["spread.trend_share_per_h"],
                       lo=1e-6, hi=1.0, range_=(0.0002, 0.002),
                                     tag="[A]", source="Herhausen et al. 2019 (3% go viral)",
                                     doc="recent negative posts per hour, as a share of the "
                                     "users, at which the storm is halfway to trending")
    trend_steepness: float = param(3.0, lo=0.5, hi=10.0, range_=(2.0, 5.0), tag="[A]",
                                   doc="Hill exponent of the trend threshold")
    volume_window_h: float = param(1.0, lo=0.05, hi=24.0, tag="[A]",
                                   doc="time constant of the recent-volume average")
    novelty_days: float = param(FITTED["spread.novelty_days"],
                       lo=0.05, hi=60.0, range_=(0.5, 4.0), tag="[A]",
                                source="Wu & Huberman 2007 (shape)",
                                doc="time constant of the story's novelty decay")
    novelty_shape: float = param(0.8, lo=0.1, hi=2.0, range_=(0.4, 1.0), tag="[A]",
                                 source="Wu & Huberman 2007, PNAS 104 (stretched exponential; "
                                 "0.4 on Digg's minutes-long cycle)",
                                 doc="stretched-exponential exponent of novelty decay")
    novelty_refresh: float = param(0.5, lo=0.0, hi=1.0, range_=(0.2, 0.8), tag="[A]",
                                   source="cases: Amy's Baking (day-4 meltdown), Nestle (day-3 "
                                   "purge), United Breaks Guitars (TV on day 4)",
                                   doc="interest a new development (news story, influencer, "
                                   "second victim, staff post, defensive or contradictory "
                                   "statement) restores, as a share of a fresh story's")
    fatigue_share: float = param(FITTED["spread.fatigue_share"],
                       lo=1e-4, hi=10.0, range_=(0.03, 0.3), tag="[A]",
                                 source="Johnen, Jungblut & Ziegele 2018 (direction)",
                                 doc="participants, as a share of the users, at which the "
                                 "willingness to join has halved")
    kernel: Literal["seismic", "exponential"] = param("seismic", doc="reaction-time kernel")
    seismic_c_per_s: float = param(6.2657e-4, lo=1e-6, hi=1.0, tag="[E]",
                                   source="Zhao et al. KDD 2015", doc="SEISMIC plateau density")
    seismic_s0_s: float = param(300.0, lo=1.0, hi=86400.0, tag="[E]",
                                source="Zhao et al. KDD 2015", doc="SEISMIC plateau length")
    seismic_theta: float = param(0.2315, lo=0.01, hi=5.0, tag="[E]",
                                 source="Zhao et al. KDD 2015", doc="SEISMIC power-law tail")
    exponential_rate_per_h: float = param(1.0, lo=1e-4, hi=1e4,
                                          doc="rate of the exponential kernel")
    horizon_h: float = param(336.0, lo=1.0, hi=10_000.0, tag="[A]",
                             doc="delay (hours after a post) beyond which its reactions "
                             "are dropped: the kernel is truncated, not renormalised, so a "
                             "post realises F(horizon_h) of its reactions")
    post_lifetime_rate_per_h: float | None = param(
        None, lo=1e-6, hi=1e4, doc="if set, each post stays visible for an Exp(rate) time and "
        "reactions after it are lost (SIR recovery); default: visible until the horizon")
    repeat_exposure: float = param(1.0, lo=1.0, hi=3.0, range_=(1.0, 1.5), tag="[A]",
                                   source="Romero et al. 2011",
                                   doc="multiplier once a user has seen two or more posts")
    diurnal: bool = param(True, doc="diurnal activity by time change")
    diurnal_trough: float = param(0.25, lo=0.01, hi=1.0, range_=(0.15, 0.4), tag="[A]",
                                  source="ten Thij et al. 2014; Leypunskiy et al. 2018",
                                  doc="relative activity at the trough")
    diurnal_trough_hour: float = param(4.0, lo=0.0, hi=24.0, tag="[A]", doc="trough hour")
    diurnal_peak: float = param(1.6, lo=1.0, hi=5.0, tag="[A]",
                                doc="relative activity at the peak")
    diurnal_peak_hour: float = param(21.0, lo=0.0, hi=24.0, tag="[A]", doc="peak hour")


@dataclass(frozen=True)
class ResponseEffects:
    """What the brand's actions do: to the share probability (small) and to trust."""

    # -- attention: multipliers on the share probability of whoever reacts after a statement
    share_empathetic: float = param(0.97, lo=0.5, hi=1.0, range_=(0.9, 1.0), tag="[D]",
                                    source="Herhausen et al. 2019 (up to 11% on virality); "
                                    "Ma & Zhan 2016; small because near the tipping point a storm "
                                    "amplifies a share change about 3x in volume (R9)",
                                    doc="apology or empathetic reply")
    share_neutral: float = param(1.0, lo=0.5, hi=1.5, range_=(0.95, 1.05), tag="[A]",
                                 source="Qu et al. 2023", doc="neutral acknowledgement")
    share_defensive: float = param(1.05, lo=1.0, hi=1.5, range_=(1.0, 1.15), tag="[D]",
                                   source="Rauschnabel et al. 2016; Weitzl 2019",
                                   doc="defensive reply")
    share_solution: float = param(0.98, lo=0.5, hi=1.0, range_=(0.9, 1.0), tag="[A]",
                                  source="Herhausen et al. 2019", doc="concrete solution")
    share_compensation: float = param(1.03, lo=1.0, hi=1.5, range_=(1.0, 1.1), tag="[D]",
                                      source="Herhausen et al. 2019; Zhang, Zhang & Luo "
                                      "(+4.24 negative comments)",
                                      doc="public compensation offer")
    share_update: float = param(0.99, lo=0.8, hi=1.0, range_=(0.95, 1.0), tag="[A]",
                                source="DiStaso et al. 2015", doc="per update")
    max_updates_counted: int = param(5, lo=0, hi=100, tag="[A]",
                                     doc="updates beyond this many have no further effect")
    # -- attention: reactions to the statement itself (it is a post)
    backlash_defensive: float = param(0.5, lo=0.0, hi=5.0, range_=(0.2, 1.0), tag="[A]",
                                      source="Rauschnabel et al. 2016 (an arrogant reply "
                                      "amplifies)", doc="negative reactions to a defensive "
                                      "statement, per seen exposure, as a multiple of p0")
    backlash_compensation: float = param(0.2, lo=0.0, hi=5.0, range_=(0.1, 0.5), tag="[A]",
                                         source="Ma, Sun & Kekre 2015 (squeaky wheel)",
                                         doc="copy-cat claims after a public compensation "
                                         "offer, as a multiple of p0")
    support_empathetic: float = param(1.0, lo=0.0, hi=5.0, range_=(0.5, 2.0), tag="[A]",
                                      source="US Airways 2014 (>13,000 retweets of an "
                                      "apology)", doc="non-negative shares of an apology, "
                                      "as a multiple of p0")
    reignite_prob: float = param(0.05, lo=0.0, hi=1.0, range_=(0.0, 0.15), tag="[A]",
                                 source="Lee & Song 2010; Weitzl 2019",
                                 doc="chance each past sharer posts again after a defensive or "
                                 "contradictory message")
    # -- deletion (own channel only)
    on_channel: float = param(0.2, lo=0.0, hi=1.0, range_=(0.1, 0.4), tag="[A]",
                              doc="chance a negative post by a non-follower of the brand sits "
                              "on the brand's channel (brand followers' posts always do)")
    notice_prob: float = param(0.3, lo=0.0, hi=1.0, range_=(0.1, 0.6), tag="[A]",
                               source="Liao et al. 2024 (deletion 'often goes unnoticed')",
                               doc="chance the author of a deleted comment notices")
    delete_notice_delay_h: float = param(1.0, lo=0.0, hi=72.0, tag="[A]",
                                         doc="median delay until a deletion is noticed")
    delete_story_reshare: float = param(1.5, lo=1.0, hi=3.0, range_=(1.0, 2.0), tag="[A]",
                                        source="Nestle 2010; Streisand",
                                        doc="share multiplier of 'they deleted my comment'")
    delete_story_media: float = param(3.0, lo=1.0, hi=20.0, range_=(1.0, 10.0), tag="[A]",
                                      doc="media hazard multiplier once a deletion is noticed")
    # -- trust: how the visible response weighs a judgement (1 = no effect)
    expected_reply_h: float = param(2.0, lo=0.0, hi=72.0, range_=(1.0, 6.0), tag="[D]",
                                    source="Istanbulluoglu 2017 (1-3 h Twitter, 3-6 h "
                                    "Facebook)", doc="after this, 'no reply yet' starts to cost")
    no_reply_ramp_h: float = param(6.0, lo=0.1, hi=168.0, range_=(2.0, 24.0), tag="[A]",
                                   doc="hours over which the no-reply penalty reaches its full "
                                   "size")
    trust_no_reply: float = param(1.3, lo=1.0, hi=3.0, range_=(1.1, 1.6), tag="[A]",
                                  source="Langaro et al. 2020; Weitzl 2019 (direction)",
                                  doc="judgement weight with no reply, at full size")
    trust_accommodative: float = param(0.7, lo=0.1, hi=1.0, range_=(0.5, 0.9), tag="[A]",
                                       source="Coombs & Holladay 2008 (apology, sympathy, "
                                       "compensation about equal)",
                                       doc="apology, sympathy or compensation")
    trust_neutral: float = param(0.95, lo=0.5, hi=1.2, range_=(0.85, 1.0), tag="[A]",
                                 doc="a neutral acknowledgement")
    trust_defensive: float = param(1.25, lo=1.0, hi=3.0, range_=(1.1, 1.5), tag="[A]",
                                   source="Weitzl 2019; Coombs 2007 (direction)",
                                   doc="a defensive reply, utilitarian context")
    trust_defensive_hedonic: float = param(0.95, lo=0.5, hi=1.5, range_=(0.8, 1.1), tag="[A]",
                                           source="Johnen & Schnittka 2019 (direction)",
                                           doc="a defensive reply, hedonic context")
    trust_solution: float = param(0.9, lo=0.3, hi=1.0, range_=(0.7, 1.0), tag="[A]",
                                  source="Souto/Langaro et al. 2024; DiStaso et al. 2015",
                                  doc="a concrete solution or corrective action")
    trust_update: float = param(0.97, lo=0.5, hi=1.0, range_=(0.9, 1.0), tag="[A]",
                                source="DiStaso et al. 2015 (informative posts help)",
                                doc="per update (up to max_updates_counted)")
    trust_contradiction: float = param(1.15, lo=1.0, hi=3.0, range_=(1.0, 1.4), tag="[A]",
                                       source="Coombs 2007 (do not mix deny and rebuild)",
                                       doc="once the brand has contradicted itself")
    contradiction_repair_loss: float = param(0.5, lo=0.0, hi=1.0, range_=(0.2, 0.8),
                                             tag="[A]", source="Coombs 2007; United 2017",
                                             doc="share of a later statement's repair lost "
                                             "after a contradiction")
    trust_deletion_noticed: float = param(1.25, lo=1.0, hi=3.0, range_=(1.1, 1.5), tag="[A]",
                                          source="Liao et al. 2024 (direction)",
                                          doc="once a deletion has been noticed")
    trust_stealing_thunder: float = param(0.9, lo=0.3, hi=1.0, range_=(0.7, 1.0), tag="[A]",
                                          source="Arpan & Roskos-Ewoldsen 2005; Claeys & "
                                          "Cauberghe 2012 (direction)",
                                          doc="the brand spoke before any media story")
    repair_reach: float = param(0.4, lo=0.0, hi=1.0, range_=(0.2, 0.7), tag="[A]",
                                doc="share of earlier judges who see a later statement and "
                                "update their judgement")
    # -- a typical brand's webcare (the typical-webcare strategy)
    webcare_latency_median_h: float = param(0.767, lo=0.0, hi=1000.0, tag="[E]",
                                            source="Einwiller & Steilen 2015, PRR 41",
                                            doc="typical brand: median reply latency (46 min)")
    webcare_latency_sigma: float = param(2.19, lo=0.0, hi=5.0, tag="[D]",
                                         source="Einwiller & Steilen 2015 (mean 8.4 h)",
                                         doc="typical brand: lognormal sigma of reply latency")
    webcare_never_prob: float = param(0.47, lo=0.0, hi=1.0, tag="[E]",
                                      source="Einwiller & Steilen 2015",
                                      doc="typical brand: share of complaints never answered")
    staff_offmessage_per_day: float = param(0.0, lo=0.0, hi=24.0, tag="[A]",
                                            doc="rate of off-message staff posts during a crisis")
    briefing_factor: float = param(0.2, lo=0.0, hi=1.0, tag="[A]",
                                   doc="off-message rate multiplier once staff are briefed")


@dataclass(frozen=True)
class AdvocateConfig:
    """Brand fans who defend it."""

    enabled: bool = param(True, doc="advocate layer on/off")
    share: float = param(0.02, lo=0.0, hi=1.0, tag="[A]", source="Weitzl & Hutzinger 2017",
                         doc="share of brand followers who are advocates")
    defend_prob: float = param(0.2, lo=0.0, hi=1.0, tag="[A]",
                               doc="chance an advocate who sees the complaint posts a defence")
    defence_effect: float = param(0.90, lo=0.1, hi=1.0, tag="[A]",
                                  doc="share multiplier for users who saw a defence")
    trust_effect: float = param(0.85, lo=0.1, hi=1.0, range_=(0.7, 1.0), tag="[A]",
                                source="Weitzl & Hutzinger 2017 (direction)",
                                doc="judgement weight of users who saw a fan's defence")


@dataclass(frozen=True)
class MediaConfig:
    """Media pickup: a hazard driven by relative volume and novelty, a lag, a new audience."""

    enabled: bool = param(True, doc="media layer on/off")
    hazard_per_h: float = param(FITTED["media.hazard_per_h"],
                       lo=0.0, hi=10.0, range_=(0.01, 0.2), tag="[A]",
                                doc="pickup hazard when the recent volume equals the reference")
    reference_share_per_h: float = param(0.0005, lo=1e-6, hi=1.0, range_=(0.0002, 0.002),
                                         tag="[A]", doc="negative posts per hour, as a share "
                                         "of the users, at which the hazard is hazard_per_h")
    kappa: float = param(1.5, lo=0.0, hi=5.0, tag="[A]", doc="hazard exponent")
    lag_median_h: float = param(3.0, lo=0.0, hi=72.0, tag="[D]", source="Leskovec et al. 2009",
                                doc="median lag from pickup to publication")
    lag_sigma: float = param(0.5, lo=0.0, hi=3.0, tag="[A]", doc="lognormal sigma of the lag")
    readership: float = param(FITTED["media.readership"],
                       lo=0.0, hi=1.0, range_=(0.01, 0.2), tag="[A]",
                              source="Domino's 2009 (~20k to >700k views after pickup)",
                              doc="share of the users who read a story, followers or not")
    reader_factor: float = param(0.5, lo=0.0, hi=5.0, range_=(0.2, 1.0), tag="[A]",
                                 source="Goel et al. 2016",
                                 doc="per-reader share probability as a share of p0")
    trend_boost_h: float = param(12.0, lo=0.0, hi=168.0, range_=(4.0, 24.0), tag="[A]",
                                 source="Leskovec et al. 2009 (news-blog hand-off)",
                                 doc="hours a story keeps the storm trending")
    check_every_h: float = param(0.25, lo=0.01, hi=24.0, doc="how often the hazard is evaluated")


@dataclass(frozen=True)
class ReputationConfig:
    """The trust index: judgements of the people who saw the storm, recovering over weeks."""

    start: float = param(20.0, lo=-100.0, hi=100.0, tag="[D]", source="Domino's 2009 BrandIndex "
                         "buzz 22.5 (rounded)", doc="index before the crisis")
    damage: float = param(FITTED["reputation.damage"],
                       lo=0.0, hi=1000.0, range_=(2.0, 20.0), tag="[A]",
                          source="Domino's 2009 (buzz -40% in four days)",
                          doc="index points lost if every user judged with weight 1")
    severity_victim: float = param(0.5, lo=0.0, hi=5.0, tag="[A]",
                                   source="Coombs 2007 (SCCT clusters); Ma & Zhan 2016",
                                   doc="judgement weight of a victim crisis")
    severity_accident: float = param(1.0, lo=0.0, hi=5.0, tag="[A]",
                                     doc="judgement weight of an accident crisis")
    severity_preventable: float = param(1.5, lo=0.0, hi=5.0, tag="[A]",
                                        doc="judgement weight of a preventable crisis")
    severity_video: float = param(1.3, lo=1.0, hi=3.0, range_=(1.1, 1.5), tag="[A]",
                                  source="Hansen, Kupfer & Hennig-Thurau 2018 (vivid "
                                  "triggers hurt most)", doc="weight multiplier for video "
                                  "evidence (photo: half the excess)")
    recovery_days: float = param(14.0, lo=0.1, hi=365.0, range_=(7.0, 60.0), tag="[A]",
                                 source="Gijsenberg et al. 2015 JMR 52",
                                 doc="recovery time constant")
    permanent_share: float = param(0.25, lo=0.0, hi=1.0, range_=(0.1, 0.5), tag="[A]",
                                   source="Gijsenberg et al. 2015; Hansen et al. 2018 (40% "
                                   "lasting)", doc="share of the damage that never recovers")


@dataclass(frozen=True)
class CrisisPlan:
    """How the brand watches and how fast it may speak."""

    enabled: bool = param(True, doc="brand layer on/off (off: nobody detects or responds)")
    poll_interval_min: float = param(60.0, lo=1.0, hi=1440.0, range_=(5.0, 1440.0), tag="[A]",
                                     doc="monitoring poll interval")
    detection_threshold: int = param(5, lo=1, hi=100_000, range_=(1, 50), tag="[A]",
                                     doc="negative mentions needed to detect the crisis")
    coverage: list[str] = param(["mon-fri 08:00-18:00"],
                                doc="when someone watches: '24/7' or 'DAYS HH:MM-HH:MM' entries")
    approval_delay_h: float = param(0.5, lo=0.0, hi=168.0, tag="[A]",
                                    doc="delay before a statement goes out (legal review)")


@dataclass(frozen=True)
class Inject:
    """A scripted event at a time: the crisis pushes back."""

    at_h: float = param(0.0, lo=0.0, doc="hours after the start")
    kind: Literal["journalist_inquiry", "influencer_joins", "staff_offmessage",
                  "competitor_jab", "second_victim"] = param(
        "journalist_inquiry", doc="what happens")
    text: str = param("", doc="what the team reads (the drill shows it)")
    strength: float = param(1.0, lo=0.0, hi=100.0,
                            doc="kind-specific strength: for competitor_jab the audience "
                            "share reached, for journalist_inquiry the pickup probability "
                            "if unanswered")
    deadline_h: float = param(2.0, lo=0.0, hi=168.0, doc="hours the team has to answer")


@dataclass(frozen=True)
class ActionSpec:
    """One engine action an option of a decision point takes."""

    kind: Literal["acknowledge", "reply", "solution", "compensation", "update", "delete",
                  "brief_staff", "contradict"] = param("acknowledge", doc="the action")
    tone: Literal["empathetic", "neutral", "defensive"] = param(
        "empathetic", doc="tone (acknowledge and reply)")
    text: str = param("", doc="what the brand posts (shown in the feed)")


@dataclass(frozen=True)
class DecisionOption:
    """A choice the team can make at a decision point."""

    label: str = param("", doc="what the team sees")
    actions: list[ActionSpec] = param([], doc="engine actions taken when chosen (none: wait)")
    note: str = param("", doc="debrief note on this choice")
    recommended: bool = param(False, doc="the model backs this choice: on paired replicas "
                              "it is not significantly worse on trust than any other "
                              "option of its decision point (checked by "
                              "`python -m tests.regenerate decisions`)")


@dataclass(frozen=True)
class DecisionPoint:
    """A prompt in the drill with options and a deadline in simulated time."""

    at_h: float = param(0.0, lo=0.0, doc="hours after the start when the prompt appears")
    prompt: str = param("", doc="the question the team must answer")
    options: list[DecisionOption] = param([], doc="the choices (at least two)")
    deadline_h: float = param(1.0, lo=0.0, hi=168.0, doc="hours the team has to decide")
    on_timeout: int = param(-1, lo=-1, hi=20, doc="option index taken when the deadline "
                            "passes; -1: nothing (a missed deadline is a decision too)")


@dataclass(frozen=True)
class Scenario:
    """One crisis: network, complaint, model parameters, plan and injects.

    Only what a run reads. Decision points are here because batches apply the
    options a policy chooses; the sections only the drill and the calibration
    read (briefing, facilitation, setting, calibration) are added by
    `scenarios.scenario_file.ScenarioFile`, which is what a scenario file loads as.
    """

    name: str = param("scenario", doc="short identifier")
    title: str = param("Untitled crisis", doc="one-line title")
    description: str = param("", doc="what happens")
    locale: LocaleCode = param("en", doc="language of texts and personas")
    start: str = param("2026-03-02T09:00", doc="local start time, ISO 8601 (weekday matters), "
                       "in the years 1970 to 2200")
    duration_h: float = param(72.0, lo=0.5, hi=24 * 60, doc="run length in hours")
    network: NetworkConfig = section(NetworkConfig)
    complaint: ComplaintConfig = section(ComplaintConfig)
    spread: SpreadConfig = section(SpreadConfig)
    response: ResponseEffects = section(ResponseEffects)
    advocates: AdvocateConfig = section(AdvocateConfig)
    media: MediaConfig = section(MediaConfig)
    reputation: ReputationConfig = section(ReputationConfig)
    plan: CrisisPlan = section(CrisisPlan)
    injects: list[Inject] = param([], doc="timed injects")
    decision_points: list[DecisionPoint] = param([], doc="prompts with options for the drill")


def replace_path(obj: Any, dotted: str, value: Any) -> Any:
    """Return a copy of a frozen config with `a.b.c` set to `value`."""
    head, _, rest = dotted.partition(".")
    names = {f.name for f in dataclasses.fields(obj)}
    if head not in names:
        raise KeyError(dotted)
    if rest:
        value = replace_path(getattr(obj, head), rest, value)
    return dataclasses.replace(obj, **{head: value})


def get_path(obj: Any, dotted: str) -> Any:
    """Read `a.b.c` from a config."""
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def fingerprint(scenario: Scenario) -> str:
    """The scenario's fingerprint: a short hash of everything it sets (for a loaded file,
    every section of the file, the drill's included), so that editing the file changes it.

    Two runs of the same fingerprint, seed and journal are the same run. This is the one
    definition: a drill session stores it when the drill begins (and resume, report and
    leaderboard say when the file has changed since), and every batch run stores it for
    the scenario as run (its grid point applied), so a session and a batch of the same
    scenario carry the same fingerprint."""
    text = json.dumps(dataclasses.asdict(scenario), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
