"""Progress of long CLI commands (`tfo-mcp demo seed`, `tfo-mcp db migrate`) on stderr: a bar redrawn in place
on a terminal, plain lines otherwise (a log file or a CI job), so stdout keeps only the command's result."""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 30
#: Without a terminal, a line at most every this many percent (and at the end).
LINE_STEP = 10.0


class ProgressBar:
    """``bar(percent, step)`` reports progress; ``bar.close()`` ends the line."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty()
        self.started = time.monotonic()
        self.last_line = -LINE_STEP
        self.drawn = False

    def __call__(self, percent: float, step: str) -> None:
        percent = max(0.0, min(100.0, percent))
        seconds = time.monotonic() - self.started
        if self.interactive:
            filled = round(BAR_WIDTH * percent / 100)
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            text = f"{self.label} [{bar}] {percent:3.0f} % {seconds:5.1f} s  {step}"
            self.stream.write("\r" + text[:119].ljust(119))
            self.drawn = True
        elif percent >= self.last_line + LINE_STEP or percent >= 100.0 > self.last_line:
            self.last_line = percent
            self.stream.write(f"{self.label}: {percent:3.0f} % after {seconds:.1f} s ({step})\n")
        self.stream.flush()

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False
