"""One family for every error a user can cause, with the exit code it ends in.

The engine, the scenario loader, the stores and the UI raise subclasses of
`StormdrillError`; the command line catches the family once, prints
`user_message()` and exits with `exit_code`. Anything else that escapes is a
bug, and shows as one. Subclasses that were `ValueError`s stay `ValueError`s
too, so code that caught them that way keeps working.
"""

from __future__ import annotations

EXIT_BAD_INPUT = 2  # the user's input (a file, an address, an argument) cannot be used
EXIT_INCOMPLETE = 1  # the work ran but did not all finish (lost runs, a failed future)
EXIT_INTERRUPTED = 130  # Ctrl-C: what finished is saved


class StormdrillError(Exception):
    """Base of the family: a message a user can act on, and how the program ends."""

    exit_code: int = EXIT_BAD_INPUT
    #: whether the message names its file first (printed as is) or needs the program's name
    names_its_file: bool = False

    def user_message(self) -> str:
        """What the command line prints on standard error."""
        return str(self) if self.names_its_file else f"stormdrill: {self}"
