"""Brand actions: what a team (or a scripted strategy) can do, and the journal.

An action is plain data; its effect lives in `brand`. The journal is the list
of timed actions a run received from outside, and with the scenario and the
seed it determines the run completely.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from simulator.errors import StormdrillError

ActionKind = Literal["acknowledge", "reply", "solution", "compensation", "update", "delete",
                     "brief_staff", "contradict"]
Tone = Literal["empathetic", "neutral", "defensive"]

ACTION_KINDS: tuple[str, ...] = ("acknowledge", "reply", "solution", "compensation", "update",
                                 "delete", "brief_staff", "contradict")
TONES: tuple[str, ...] = ("empathetic", "neutral", "defensive")

# Public statements wait for approval (the plan's approval delay); operational
# actions (deleting comments, briefing staff) take effect at once.
STATEMENTS = frozenset({"acknowledge", "reply", "solution", "compensation", "update",
                        "contradict"})

DESCRIPTIONS: dict[str, str] = {
    "acknowledge": "public acknowledgement and apology (tone: empathetic unless stated)",
    "reply": "reply to the complainants with a tone: empathetic, neutral or defensive",
    "solution": "offer a concrete solution / corrective action",
    "compensation": "offer compensation publicly",
    "update": "post a transparent update on progress",
    "delete": "delete negative comments on the brand's channels",
    "brief_staff": "brief staff: fewer off-message staff posts from now on",
    "contradict": "a statement that contradicts an earlier one",
}


class ActionError(StormdrillError, ValueError):
    """An action that does not exist or has a bad argument."""

    names_its_file = True


@dataclass(frozen=True)
class Action:
    """One brand action; `tone` matters for acknowledge and reply."""

    kind: ActionKind
    tone: Tone = "empathetic"
    text: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ACTION_KINDS:
            raise ActionError(f"unknown action {self.kind!r}; expected one of "
                              f"{', '.join(ACTION_KINDS)}")
        if self.tone not in TONES:
            raise ActionError(f"unknown tone {self.tone!r}; expected one of {', '.join(TONES)}")

    @property
    def is_statement(self) -> bool:
        return self.kind in STATEMENTS


@dataclass(frozen=True)
class JournalEntry:
    """Something the run received from outside at simulation time `at_h`.

    Either a brand `action` (the team) or, with `inject` set, the index of a
    scenario inject the facilitator fired ad hoc; `text`, when not empty, is
    the facilitator's own wording of that inject (it replaces the scenario's
    text in the feed, so a replay must carry it).
    """

    at_h: float
    action: Action | None = None
    inject: int | None = None
    text: str = ""

    def __post_init__(self) -> None:
        if (self.action is None) == (self.inject is None):
            raise ActionError("a journal entry holds either an action or an inject")
        if self.text and self.inject is None:
            raise ActionError("only an inject entry has its own text; an action carries "
                              "its text itself")

    def to_dict(self) -> dict[str, Any]:
        if self.inject is not None:
            out: dict[str, Any] = {"at_h": self.at_h, "inject": self.inject}
            if self.text:  # left out when empty: older readers see the same entry
                out["text"] = self.text
            return out
        assert self.action is not None  # __post_init__: no inject means an action
        return {"at_h": self.at_h, **asdict(self.action)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JournalEntry:
        data = dict(data)
        at = float(data.pop("at_h"))
        if "inject" in data:
            return cls(at, inject=int(data["inject"]), text=str(data.get("text", "")))
        return cls(at, Action(**data))
