"""Command palette entries for the drill: every lever, the clock, the forecast (injects are the
facilitator's, in `stormdrill console`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from simulator.actions import ACTION_KINDS

#: (kind, tone) the palette offers; every kind, and each tone where tone matters
PALETTE_ACTIONS: tuple[tuple[str, str], ...] = tuple(
    [("acknowledge", t) for t in ("empathetic", "neutral")]
    + [("reply", t) for t in ("empathetic", "neutral", "defensive")]
    + [(k, "neutral") for k in ACTION_KINDS if k not in ("acknowledge", "reply")])


class DrillCommands(Provider):
    """Entries of the drill screen (the screen the palette was opened from)."""

    def _entries(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        screen = self.screen
        tr = getattr(screen, "tr", None)
        controller = getattr(screen, "controller", None)
        if tr is None or controller is None:
            return
        run = screen.run_action
        yield tr("cmd.pause"), partial(run, "pause"), "space"
        yield tr("cmd.skip"), partial(run, "skip"), "n"
        yield tr("cmd.forecast"), partial(run, "forecast"), "w"
        yield tr("key.detection"), partial(run, "to_detection"), "N"
        from tui.controller import SPEEDS

        for i, speed in enumerate(SPEEDS):
            yield tr("cmd.speed", speed=speed), partial(run, f"speed({i})"), "+ -"
        for kind, tone in PALETTE_ACTIONS:
            yield (tr("cmd.act", kind=tr(f"kind.{kind}"), tone=tr(f"tone.{tone}")),
                   partial(run, f"lever({kind!r}, {tone!r})"), tr("cmd.act_help"))

    async def discover(self) -> Hits:
        for name, command, help_text in self._entries():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help_text in self._entries():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, help=help_text)
