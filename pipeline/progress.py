"""Progress of a run as forces finish: a bar on a terminal, plain lines in a log."""

from __future__ import annotations

import sys
from typing import TextIO

_active: Progress | None = None


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None, width: int = 30):
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.width = width
        self.interactive = hasattr(self.stream, "isatty") and self.stream.isatty()

    def advance(self, label: str) -> None:
        self.done += 1
        if self.interactive:
            filled = int(self.width * self.done / max(self.total, 1))
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\r[{bar}] {self.done:>2}/{self.total} forces  {label[:60]:<60}")
            if self.done >= self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"[{self.done:>2}/{self.total}] {label}\n")
        self.stream.flush()

    def note(self, message: str) -> None:
        if self.interactive and 0 < self.done < self.total:
            self.stream.write("\n")
        self.stream.write(message + "\n")
        self.stream.flush()


def start(total: int, stream: TextIO | None = None) -> Progress:
    global _active
    _active = Progress(total, stream)
    return _active


def current() -> Progress | None:
    return _active


def advance(label: str) -> None:
    if _active is not None:
        _active.advance(label)


def stop() -> None:
    global _active
    _active = None
