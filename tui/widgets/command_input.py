"""A text box in a screen of key commands: Enter hands the keys back at once.

The facilitator types a note, presses Enter and goes on pressing command keys. With a
plain `Input`, focus moves back to the commands only after the submitted message is
handled, so a key pressed right after Enter (as in a fast typist's `m`) was typed into
the box, and the next note's letters became commands. Here the focus moves within the
Enter key's own handling, before the next key is dispatched.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input


class CommandInput(Input):
    """An `Input` that, on Enter, gives the focus to `return_to` (a selector) at once.

    While it has the focus its placeholder says so (`typing`): keys are text now, not
    commands. The room sees it, and so can a test that must wait for it (a key is
    routed to the widget that had the focus when the key arrived).
    """

    def __init__(self, *args: Any, return_to: str, typing: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.return_to = return_to
        self.typing = typing
        self.resting = self.placeholder

    def on_focus(self) -> None:
        if self.typing:
            self.placeholder = self.typing

    def on_blur(self) -> None:
        self.placeholder = self.resting

    async def action_submit(self) -> None:
        await super().action_submit()
        target = self.screen.query(self.return_to).first()
        self.screen.set_focus(target if target.focusable else None)
