"""The feed's text bank: per-locale YAML templates, stable hashing, filling.

Templates live in `scenarios/templates/<locale>.yaml` so writers can add
variety without touching code. Choices are made with a stable integer hash of
(seed, index, ...) rather than a random stream: a post's text then depends only
on what it is and where it sits in the feed, never on which posts were
rendered before it, so a drill that scrolls, jumps or replays shows the same
words for the same seed.
"""

from __future__ import annotations

import string
import zlib
from collections.abc import Iterator, Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from simulator.locales import LOCALES

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

#: placeholders posts and system lines may use
POST_FIELDS = frozenset({"brand", "handle", "brandtag", "product", "issue", "place", "person",
                         "first", "outlet", "hours", "elapsed", "competitor",
                         "action", "waited"})
#: placeholders persona bios may use
PERSONA_FIELDS = frozenset({"job", "hobby", "city", "brand", "outlet", "year", "competitor"})

_MASK = (1 << 64) - 1
_FORMATTER = string.Formatter()
_SENTENCE_END = (".", "!", "?")


def _splitmix(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


@cache
def _str_key(text: str) -> int:
    return zlib.crc32(text.encode())


def mix(*parts: int | str) -> int:
    """A stable 64-bit hash of ints and strings (Python's `hash` is salted per process)."""
    x = 0x243F6A8885A308D3
    for part in parts:
        value = _str_key(part) if isinstance(part, str) else int(part)
        x = _splitmix(x ^ (value & _MASK))
    return x


def pick(seq: list[Any] | tuple[Any, ...], *key: int | str) -> Any:
    """The element of `seq` chosen by the stable hash of `key`."""
    return seq[mix(*key) % len(seq)]


@cache
def text_bank(locale: str) -> dict[str, Any]:
    """The parsed template file of a locale (cached: read once per process)."""
    if locale not in LOCALES:
        raise ValueError(f"no feed templates for locale {locale!r}; expected one of "
                         f"{', '.join(LOCALES)}")
    with open(TEMPLATE_DIR / f"{locale}.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@lru_cache(maxsize=4096)
def _parsed(template: str) -> tuple[tuple[str, str | None], ...]:
    return tuple((literal, name) for literal, name, _, _ in _FORMATTER.parse(template))


def fields_of(template: str) -> set[str]:
    """The placeholder names a template uses."""
    return {name for _, name in _parsed(template) if name is not None}


def _cap(text: str) -> str:
    """Upper-case the first letter, looking past opening quotes and brackets."""
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1:]
        if ch.isalnum() or ch in "@#{":  # a placeholder is capitalised by `fill`
            return text
    return text


def _sentence_start(text: str) -> bool:
    stripped = text.rstrip()
    return not stripped or (stripped != text and stripped.endswith(_SENTENCE_END))


def fill(template: str, values: Mapping[str, str]) -> str:
    """Fill placeholders; a value that starts a sentence gets a capital.

    Scenario values are written mid-sentence ("a rude store manager") but
    templates also open sentences with them, so capitals are fixed here rather
    than asking scenario authors for two spellings.
    """
    out: list[str] = []
    for literal, name in _parsed(template):
        out.append(literal)
        if name is None:
            continue
        value = str(values[name])
        if _sentence_start("".join(out)):
            value = _cap(value)
        out.append(value)
    return "".join(out)


def _opens_sentence(opening: str) -> bool:
    """Whether text after `opening` starts a new sentence (and so takes a capital)."""
    tail = opening.rstrip()[-1:]
    if not tail or tail in ".!?":
        return True
    return not (tail.isalnum() or tail in ",:;…‘’'\"-–")  # an emoji ends a sentence


def compose(pieces: Mapping[str, list[str]], *, seed: int, kind: str, index: int, actor: int,
            whole_share: float = 0.15) -> str:
    """One post template from a kind's pieces: a whole post, or opening + body + closing.

    Bodies and whole posts walk their lists with the feed index (from a
    per-seed offset), so neighbouring posts never share one; openings and
    closings are hashed. Thousands of combinations keep a long drill from
    visibly repeating.
    """
    whole = pieces.get("whole") or []
    bodies = pieces.get("bodies") or []
    h = mix(seed, kind, index, actor)
    closing = pick(pieces.get("closings") or [""], h, "close")
    if whole and (not bodies or (h % 1000) < whole_share * 1000):
        text = whole[(index + mix(seed, kind, "whole")) % len(whole)]
        return f"{text} {closing}" if closing else text
    body = bodies[(index + mix(seed, kind, "body")) % len(bodies)]
    opening = pick(pieces.get("openings") or [""], h, "open")
    if _opens_sentence(opening):
        body = _cap(body)
    text = f"{opening} {body}".strip()
    return f"{text} {closing}" if closing else text


def iter_templates(locale: str) -> Iterator[tuple[str, str, frozenset[str]]]:
    """Every template string of a locale as (path, text, allowed placeholders)."""
    bank = text_bank(locale)

    def walk(node: Any, path: str, allowed: frozenset[str]) -> Iterator[tuple[str, str,
                                                                           frozenset[str]]]:
        if isinstance(node, str):
            yield path, node.removeprefix("f|").removeprefix("m|"), allowed
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                yield from walk(sub, f"{path}[{i}]", allowed)
        elif isinstance(node, dict):
            for k, sub in node.items():
                yield from walk(sub, f"{path}.{k}", allowed)

    yield from walk(bank["posts"], "posts", POST_FIELDS)
    yield from walk(bank["system"], "system", POST_FIELDS)
    yield from walk(bank["persona"], "persona", PERSONA_FIELDS)
    yield from walk(bank["fallback"], "fallback", frozenset())
