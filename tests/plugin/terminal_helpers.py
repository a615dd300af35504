"""A pseudo-terminal to run pytest on, and a small screen model to read what it drew.

``run_on_pty`` runs a command with its output on a pty of a known size and
returns the raw bytes; ``render`` replays them on a screen that knows what
the live view uses (CR, LF, cursor up/right, erase below, colours ignored).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

COLUMNS, LINES = 100, 30
_CSI = re.compile(r"\x1b\[(\d*)([A-Za-z])")


def run_on_pty(
    args: list[str],
    cwd: Path,
    *,
    when: Callable[[str], bool] | None = None,
    then: Callable[[], None] | None = None,
    timeout: float = 60.0,
) -> str:
    """Run ``python -m pytest *args`` on a pty; ``then()`` once the output meets ``when``."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COLUMNS", "LINES"))}
    env.update(TERM="xterm", PY_COLORS="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", *args],
        cwd=cwd,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
            if when is not None and then is not None and when(out.decode("utf-8", "replace")):
                then()
                when = None
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
    return out.decode("utf-8", "replace")


def without_colours(raw: str) -> str:
    """``raw`` without SGR (colour) sequences: what remains are text and cursor moves."""
    return re.sub(r"\x1b\[[0-9;]*m", "", raw)


def render(raw: str, width: int = COLUMNS) -> list[str]:
    """The screen (all of it, scrolled-off lines included) after ``raw``, trailing spaces cut."""
    rows: list[list[str]] = [[]]
    row = col = 0
    text = without_colours(raw)
    i = 0
    while i < len(text):
        match = _CSI.match(text, i)
        if match:
            n = int(match.group(1) or 1)
            code = match.group(2)
            if code == "A":
                row = max(0, row - n)
            elif code == "C":
                col = min(width - 1, col + n)
            elif code == "J":  # erase below: the rest of this row, and every row after it
                del rows[row][col:]
                del rows[row + 1 :]
            elif code == "K":
                del rows[row][col:]
            i = match.end()
            continue
        char = text[i]
        i += 1
        if char == "\r":
            col = 0
        elif char == "\n":  # as a tty's output (onlcr): to the start of the next row
            row, col = row + 1, 0
            while len(rows) <= row:
                rows.append([])
        else:
            line = rows[row]
            if len(line) <= col:
                line.extend(" " * (col - len(line) + 1))
            line[col] = char
            col += 1
    return ["".join(r).rstrip() for r in rows]
