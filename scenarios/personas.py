"""Personas: the people and accounts behind the posts in a drill's feed.

A feed of "user 4711 reshared" teaches nobody anything; a feed of named
people with handles, bios and follower counts reads like the real thing. Each
persona is a pure function of (seed, user id): Faker is re-seeded per persona
with a stable hash, so a persona does not depend on which others were created
first, and a replayed drill shows the same people. Follower counts are the
user's real follower count in the simulated network, so a post's reach in the
feed matches what the model does with it.

Personas are made lazily (a drill shows a few thousand of a network's users)
and cached; one takes some 25 µs.

Names, handles, bios, cities and outlets all come from the scenario's locale:
Faker's lists for that locale minus the template file's `name_exclude`
(Faker's nl_NL lists hold names a Dutch audience reads as English, such as
"Wilson" or "Megan", and medieval nobility), and the template file's pieces.
Every account, in or outside the graph, is drawn from the same pools, so a
Dutch drill shows a Dutch crowd.
"""

from __future__ import annotations

import bisect
import random
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard

from scenarios.scenario_file import Setting
from scenarios.textbank import fields_of, fill, mix, text_bank
from simulator.locales import LOCALES
from simulator.network import Network, UserType

if TYPE_CHECKING:
    from faker.generator import Generator

_DEFAULTS = Setting()
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Persona:
    """One account as the feed shows it."""

    user: int  # node id; -1 for accounts outside the graph (staff, journalists, rivals)
    name: str
    handle: str  # with the leading @
    bio: str
    followers: int
    kind: str  # ordinary, influencer, advocate, media, complainant, brand, staff, ...


@dataclass(frozen=True)
class Names:
    """The scenario's `setting` with locale fallbacks for what the author left out."""

    brand: str
    handle: str
    brandtag: str
    product: str
    issue: str
    place: str  # "" when unset: the caller picks a city
    people: tuple[str, ...]  # without their "(role)"
    complainant: str  # people[0] when it is a name ("" for "a franchise owner" or none)
    complainant_first: str  # how the brand greets them: a first name, or an org's full name


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits only: the raw material of handles and hashtags."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("", ascii_text.lower())


_ROLE = re.compile(r"\s*\(([^)]*)\)")
_ORG_WORDS = ("group", "organisation", "organization", "ngo", "foundation", "campaign",
              "collective", "union", "association", "network", "company", "stichting",
              "vereniging", "actiegroep", "bond", "collectief", "organisatie", "bedrijf")


def split_person(entry: str) -> tuple[str, str]:
    """A `people` entry as (name, greeting): "Danny Carver (musician)" -> ("Danny Carver", "Danny").

    Organisations ("Canopy Watch (environmental group)") are greeted by their
    full name; descriptions that are no name ("a franchise owner") give "".
    """
    roles = " ".join(_ROLE.findall(entry)).lower()
    name = _ROLE.sub("", entry).strip()
    if not name or not name[0].isupper():
        return "", ""
    if any(word in roles for word in _ORG_WORDS) or " " not in name:
        return name, name
    return name, name.split()[0]


def resolve_setting(setting: Setting, locale: str) -> Names:
    """Names for the templates; the English class defaults count as unset.

    `Setting`'s defaults ("the brand", "@brand") exist so a scenario loads,
    not to be shown: a Dutch feed saying "the brand" would break the illusion.
    """
    fallback = text_bank(locale)["fallback"]

    def given(name: str) -> str:
        value = str(getattr(setting, name) or "").strip()
        return "" if value == getattr(_DEFAULTS, name) else value

    brand = given("brand_name") or fallback["brand"]
    handle = given("brand_handle") or slug(brand)
    handle = handle if handle.startswith("@") else f"@{handle}"
    brandtag = "".join(w[:1].upper() + w[1:] for w in
                       unicodedata.normalize("NFKD", brand).encode("ascii", "ignore")
                       .decode().split() if w)
    brandtag = "".join(ch for ch in brandtag if ch.isalnum()) or slug(handle)
    people = [p for p in setting.people if p.strip()]
    complainant, first = split_person(people[0]) if people else ("", "")
    return Names(brand=brand, handle=handle, brandtag=brandtag,
                 product=given("product") or fallback["product"],
                 issue=given("issue") or fallback["issue"], place=given("place"),
                 people=tuple(_ROLE.sub("", p).strip() for p in people),
                 complainant=complainant, complainant_first=first)


@cache
def _faker(locale: str) -> Generator:
    """One Faker generator per locale, re-seeded for every persona."""
    from faker import Faker  # imported late: Faker takes a while to load

    generator = Faker(LOCALES[locale].faker).factories[0]  # the generator, not the proxy
    generator.seed_instance(0)  # gives it a private Random, re-seeded per persona below
    return generator


@dataclass(frozen=True)
class _Pool:
    """Names with cumulative weights, for a weighted draw in about a microsecond."""

    names: tuple[str, ...]
    cum: tuple[float, ...] | None

    @classmethod
    def of(cls, data: Any, drop: frozenset[str] = frozenset()) -> _Pool:
        """A pool of Faker's names (a list, or a mapping of name to weight) without `drop`."""
        if isinstance(data, dict):
            total, names, cum = 0.0, [], []
            for name, weight in data.items():
                if name in drop:
                    continue
                total += float(weight)
                names.append(name)
                cum.append(total)
            return cls(tuple(names), tuple(cum))
        return cls(tuple(n for n in data if n not in drop), None)

    def draw(self, r: random.Random) -> str:
        if self.cum is None:
            return self.names[int(r.random() * len(self.names))]
        i = bisect.bisect(self.cum, r.random() * self.cum[-1])
        return self.names[min(i, len(self.names) - 1)]


class _NameLists(Protocol):
    """A Faker person provider's name lists (a list, or a mapping of name to weight).

    Faker's base person provider declares only `last_names`; each locale's
    subclass adds the first-name lists, so the stubs cannot know them.
    """

    first_names_female: Collection[str] | Mapping[str, float]
    first_names_male: Collection[str] | Mapping[str, float]
    last_names: Collection[str] | Mapping[str, float]


def _has_name_lists(provider: object) -> TypeGuard[_NameLists]:
    return hasattr(provider, "first_names_female")


@cache
def _name_pools(locale: str) -> dict[str, _Pool]:
    """Faker's own name lists for a locale, read once.

    Faker's `first_name()` redoes its weighting on every call (about 100 µs
    for en_US); drawing from the same lists with precomputed weights keeps a
    persona at a few tens of microseconds.
    """
    provider = next(p for p in _faker(locale).get_providers() if _has_name_lists(p))
    exclude = text_bank(locale)["persona"].get("name_exclude") or {}
    first = frozenset(exclude.get("first", ()))
    # "Bourgondië, van": a register's inverted form, not how anyone signs a post
    last = frozenset(exclude.get("last", ())) | {n for n in provider.last_names if "," in n}
    return {"f": _Pool.of(provider.first_names_female, first),
            "m": _Pool.of(provider.first_names_male, first),
            "last": _Pool.of(provider.last_names, frozenset(last))}


def _gendered(entries: list[str]) -> dict[str, tuple[str, ...]]:
    """Split bio pieces marked `f|` or `m|` from those that fit anyone."""
    out: dict[str, list[str]] = {"f": [], "m": [], "n": []}
    for entry in entries:
        mark, sep, text = entry.partition("|")
        if sep and mark in ("f", "m"):
            out[mark].append(text)
        else:
            for group in out.values():
                group.append(entry)
    return {g: tuple(v) for g, v in out.items()}


class PersonaBook:
    """Personas of one network, made on first use and cached."""

    def __init__(self, network: Network, locale: str, seed: int,
                 setting: Setting | None = None) -> None:
        if locale not in LOCALES:
            raise ValueError(f"no personas for locale {locale!r}")
        self.network = network
        self.locale = locale
        self.seed = int(seed)
        self.names = resolve_setting(setting or _DEFAULTS, locale)
        self._bank: dict[str, Any] = text_bank(locale)["persona"]
        self._faker = _faker(locale)
        self._r = self._faker.random  # seeding this Random re-seeds the Faker generator
        self._pools = _name_pools(locale)
        self._pieces = {section: _gendered(self._bank[section]) for section in
                        ("bios", "influencer_bios", "advocate_bios", "staff_bios", "jobs",
                         "hobbies", "outlet_bios")}
        self._followers = network.follower_counts()
        self._types = network.types
        self._media_index = {int(u): i for i, u in enumerate(network.media)}
        self._cache: dict[int, Persona] = {}
        self._extra: dict[tuple[str, int], Persona] = {}
        self._outlets: list[str] | None = None

    def __len__(self) -> int:
        return len(self._cache)

    def __getitem__(self, user: int) -> Persona:
        persona = self._cache.get(user)
        if persona is None:
            persona = self._cache[user] = self._make(int(user))
        return persona

    get = __getitem__

    @property
    def brand(self) -> Persona:
        """The brand's account (also when the network has no brand node)."""
        if self.network.brand >= 0:
            return self[self.network.brand]
        return self.extra("brand", 0)

    # ---- places and outlets ---------------------------------------------------------------
    def city(self, *key: int | str) -> str:
        """A city of the locale chosen by a stable key."""
        self._r.seed(mix(self.seed, "city", *key))
        return self._city()

    def _city(self) -> str:
        cities = self._bank.get("cities")
        if cities:
            return self._r.choice(cities)
        # stub gap: Faker adds its providers' methods to Generator at run time and stubs
        # them only on its Faker proxy (faker/proxy.pyi); _faker() returns the generator
        return self._faker.city()  # type: ignore[attr-defined]

    def outlet_name(self, i: int) -> str:
        """The i-th news outlet: shipped names in a per-seed order, then composed ones."""
        if self._outlets is None:
            names = list(dict.fromkeys(self._bank["outlet_names"]))
            names.sort(key=lambda n: mix(self.seed, "outlet", n))
            parts = self._bank["outlet_parts"]
            composed = [f"{a} {b}" for a in parts["first"] for b in parts["second"]]
            composed.sort(key=lambda n: mix(self.seed, "outlet", n))
            self._outlets = names + [n for n in composed if n not in names]
        return self._outlets[i % len(self._outlets)]

    def outlet_of(self, user: int) -> str:
        """The outlet name of a media account (any outlet for other ids)."""
        return self.outlet_name(self._media_index.get(user, max(user, 0)))

    # ---- making personas ------------------------------------------------------------------
    def _make(self, user: int) -> Persona:
        if not 0 <= user < self.network.n:
            raise IndexError(f"user {user} is not in the network (0..{self.network.n - 1})")
        followers = int(self._followers[user])
        kind = UserType(int(self._types[user]))
        if kind == UserType.BRAND:
            return self._brand(user, followers)
        self._r.seed(mix(self.seed, "persona", user))
        if kind == UserType.MEDIA:
            return self._outlet(user, followers)
        if kind == UserType.COMPLAINANT and self.names.complainant:
            name = self.names.complainant
            first, _, last = name.partition(" ")
            is_org = self.names.complainant_first == name and " " in name
            return Persona(user, name, self._handle(first, last or "x"),
                           "" if is_org else self._bio("bios", "n"), followers, "complainant")
        first, last, display, gender = self._person_name()
        if kind == UserType.INFLUENCER:
            return Persona(user, display, self._handle(first, last, creator=True),
                           self._bio("influencer_bios", gender), followers, "influencer")
        if kind == UserType.ADVOCATE:
            return Persona(user, display, self._handle(first, last),
                           self._bio("advocate_bios", gender), followers, "advocate")
        return Persona(user, display, self._handle(first, last), self._bio("bios", gender),
                       followers, kind.name.lower())

    def extra(self, kind: str, key: int, followers: int | None = None) -> Persona:
        """An account outside the graph: staff, journalist, competitor, brand or system.

        `key` tells several of a kind apart (a different staff member per post).
        """
        persona = self._extra.get((kind, key))
        if persona is None:
            persona = self._extra[(kind, key)] = self._make_extra(kind, key)
        if followers is not None and followers != persona.followers:
            persona = Persona(persona.user, persona.name, persona.handle, persona.bio,
                              followers, persona.kind)
        return persona

    def _make_extra(self, kind: str, key: int) -> Persona:
        bank, r = self._bank, self._r
        r.seed(mix(self.seed, kind, key))
        if kind == "brand":
            return self._brand(-1, 0)
        if kind == "system":
            return Persona(-1, bank["system_name"], "", bank["system_bio"], 0, "system")
        if kind == "competitor":
            name = self.competitor
            return Persona(-1, name, f"@{slug(name)}",
                           fill(r.choice(bank["competitor_bios"]), {"competitor": name}),
                           r.randint(20_000, 200_000), "competitor")
        first, last, display, gender = self._person_name()
        handle = self._handle(first, last)
        if kind == "journalist":
            outlet = self.outlet_name(key)
            bio = fill(r.choice(bank["journalist_bios"]), {"outlet": outlet})
            return Persona(-1, display, handle, bio, r.randint(800, 12_000), "journalist")
        bios = "staff_bios" if kind == "staff" else "bios"  # a complainant does not work there
        return Persona(-1, display, handle, self._bio(bios, gender), r.randint(40, 900), kind)

    @property
    def competitor(self) -> str:
        """The rival brand of this seed."""
        names = [n for n in self._bank["competitors"] if n != self.names.brand]
        return names[mix(self.seed, "competitor") % len(names)]

    def _brand(self, user: int, followers: int) -> Persona:
        n = self.names
        bio = fill(self._bank["brand_bios"][0], {"brand": n.brand})
        return Persona(user, n.brand, n.handle, bio, followers, "brand")

    def _outlet(self, user: int, followers: int) -> Persona:
        name = self.outlet_of(user)
        bio = self._bio("outlet_bios", "n")
        return Persona(user, name, f"@{slug(name)[:15]}", bio, followers, "media")

    def _person_name(self) -> tuple[str, str, str, str]:
        """First and last name, how the person shows it (not everyone uses a full name), gender.

        Gender only keeps names and bios consistent ("Dad of two" is not Emma).
        """
        r = self._r
        gender = "f" if r.random() < 0.5 else "m"
        first, last = self._pools[gender].draw(r), self._pools["last"].draw(r)
        style = r.random()
        if style < 0.74:
            display = f"{first} {last}"
        elif style < 0.86:
            display = f"{first} {last.split()[-1][:1].upper()}."
        elif style < 0.96:
            display = first
        else:
            display = f"{first} {last}".lower()
        return first, last, display, gender

    def _handle(self, first: str, last: str, creator: bool = False) -> str:
        r = self._r
        f, lst = slug(first) or "user", slug(last) or "x"
        if creator:  # the locale's creator words: "@emmavlogt" in a Dutch feed, not "@emmavlogs"
            suffix = r.choice(self._bank["handle_suffixes"])
            base = r.choice((f + lst, f + suffix, f"{f}_{lst}",
                             self._bank["handle_prefix"] + f + lst))
            return f"@{base[:15]}"
        base = r.choice((f + lst, f"{f}_{lst}", f[:1] + lst, f + lst[:1], lst + f, f"{f}_{lst[:1]}",
                         f + "_" + lst[:4], f))
        base = base[:11]
        roll = r.random()
        if roll < 0.35:
            base += f"{r.randint(70, 109) % 100:02d}"
        elif roll < 0.6 or base == f:
            base += str(r.randint(1, 9999))
        return f"@{base}"

    def _bio(self, section: str, gender: str) -> str:
        r = self._r
        pieces = self._pieces
        template = r.choice(pieces[section][gender])
        makers = {"job": lambda: r.choice(pieces["jobs"][gender]),
                  "hobby": lambda: r.choice(pieces["hobbies"][gender]), "city": self._city,
                  "brand": lambda: self.names.brand, "year": lambda: str(r.randint(2003, 2022)),
                  "outlet": lambda: self.outlet_name(0), "competitor": lambda: self.competitor}
        return fill(template, {name: makers[name]() for name in sorted(fields_of(template))})


def personas_for(network: Network, locale: str, seed: int,
                 setting: Setting | None = None) -> PersonaBook:
    """The persona book of a network (see `PersonaBook`)."""
    return PersonaBook(network, locale, seed, setting)
