"""A plain progress line for batches: count, rate and ETA on stderr.

No UI library: the engine stays headless. On a terminal the line redraws in
place; otherwise (CI, logs) a line is written every ~10% so logs stay short.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Counts finished runs against a total."""

    def __init__(self, total: int, done: int = 0, enabled: bool = True,
                 stream: TextIO | None = None) -> None:
        self.total, self.done, self.enabled = total, done, enabled
        self.stream = stream or sys.stderr
        self._start_done = done
        self._t0 = time.perf_counter()
        self._last = 0.0
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._next_log = done + max(1, total // 10)

    @property
    def rate(self) -> float:
        elapsed = time.perf_counter() - self._t0
        return (self.done - self._start_done) / elapsed if elapsed > 0 else 0.0

    def line(self) -> str:
        rate = self.rate
        left = self.total - self.done
        eta = f"{left / rate:,.0f}s" if rate > 0 else "?"
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        bar = "#" * filled + "-" * (width - filled)
        return f"[{bar}] {self.done:,}/{self.total:,} runs  {rate:,.1f} runs/s  ETA {eta}"

    def update(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        now = time.perf_counter()
        if self._tty and (now - self._last > 0.1 or self.done >= self.total):
            self.stream.write("\r" + self.line())
            self.stream.flush()
            self._last = now
        elif not self._tty and self.done >= self._next_log:
            self.stream.write(self.line() + "\n")
            self._next_log = self.done + max(1, self.total // 10)

    def close(self) -> None:
        if self.enabled and self._tty:
            self.stream.write("\r" + self.line() + "\n")
            self.stream.flush()
