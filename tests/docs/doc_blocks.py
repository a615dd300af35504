"""Fenced code blocks of the Markdown docs, and how each is run (for ``test_code_blocks.py``).

The convention, for README.md and docs/*.md:

* a block whose info string has ``file=NAME`` (```` ```python file=tasks_demo.py ````, also
  ``ini``, ``yaml``, ``toml``...) is written to NAME in the page's folder: one fresh temporary
  folder per page, blocks in page order; a later block of the same NAME replaces it;
* ```` ```console ````: each line starting with ``$ `` is a shell command run in that folder
  (``pytest`` and ``python`` are the test virtualenv's); the lines after it, up to the next
  ``$ ``, are expected output: each non-blank line must appear, in order, in the command's
  output (stdout and stderr together), a line ``...`` skips anything, and ``...`` inside a
  line stands for any text there. Seconds (``0.06s``), runs of spaces and separator runs
  (``=====``) are normalised first. ``console exit=N``: every command must exit with N (0
  by default);
* ```` ```python ```` without ``file=``: run as a script (``python -``) in that folder, must
  exit 0;
* ``norun`` in the info string: never run. Blocks of other languages (``bash``, ``text``,
  ``json``...) without ``file=`` are shown, not run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Block", "Page", "Step", "normalise", "read_blocks", "steps", "unmatched"]

#: a command's time limit: a docs example is small
COMMAND_TIMEOUT = 300
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
_SECONDS = re.compile(r"\b\d+(?:\.\d+)?s\b")
_SEPARATOR = re.compile(r"([=_\-!])\1{2,}")
#: variables of the surrounding test run that must not leak into a docs command
_DROPPED_ENV = (
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "PYTEST_CURRENT_TEST",
    "PYTEST_XDIST_",
    "COV_CORE_",
    "FORCE_COLOR",
)


@dataclass(frozen=True)
class Block:
    """One fenced block: where it starts (1-based line of its opening fence) and what it says."""

    page: str
    line: int
    lang: str
    text: str
    file: str | None = None
    exit: int = 0
    norun: bool = False

    @property
    def kind(self) -> str:
        """``file``, ``console``, ``script`` or ``shown`` (not run)."""
        if self.norun:
            return "shown"
        if self.file:
            return "file"
        if self.lang == "console":
            return "console"
        return "script" if self.lang in ("python", "py", "python3") else "shown"

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def read_blocks(page: str, text: str) -> list[Block]:
    """Every fenced block of Markdown ``text``, in order; an unclosed fence is an error."""
    blocks = []
    lines = text.splitlines()
    k = 0
    while k < len(lines):
        opening = _FENCE.match(lines[k])
        if opening is None:
            k += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        body: list[str] = []
        end = k + 1
        while end < len(lines) and not _closes(lines[end], fence):
            body.append(lines[end][indent:] if lines[end][:indent].isspace() else lines[end])
            end += 1
        if end == len(lines):
            raise ValueError(f"{page}:{k + 1}: code block never closed ({fence})")
        blocks.append(_block(page, k + 1, opening["info"], "\n".join(body) + "\n"))
        k = end + 1
    return blocks


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(fence) and set(stripped) == {fence[0]}


def _block(page: str, line: int, info: str, text: str) -> Block:
    words = info.split()
    lang = words[0].lower() if words and "=" not in words[0] else ""
    options = dict(w.split("=", 1) for w in words if "=" in w)
    unknown = set(options) - {"file", "exit"}
    if unknown:
        raise ValueError(f"{page}:{line}: unknown block option(s) {sorted(unknown)}")
    return Block(
        page,
        line,
        lang,
        text,
        file=options.get("file"),
        exit=int(options.get("exit", "0")),
        norun="norun" in words,
    )


def normalise(line: str) -> str:
    """``line`` with seconds, separator runs and runs of spaces made uniform."""
    line = _SECONDS.sub("Ns", line)
    line = _SEPARATOR.sub(r"\1\1\1", line)
    return " ".join(line.split())


def _matches(expected: str, actual: str) -> bool:
    """True if ``expected`` occurs in ``actual``, each ``...`` in it standing for any text."""
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.search(pattern, actual) is not None


def unmatched(expected: list[str], output: str) -> str | None:
    """The first expected line not found, in order, in ``output``; None if all were."""
    actual = [normalise(line) for line in output.splitlines()]
    at = 0
    for want in expected:
        want = normalise(want)
        if not want or want == "...":
            continue
        while at < len(actual) and not _matches(want, actual[at]):
            at += 1
        if at == len(actual):
            return want
        at += 1
    return None


@dataclass(frozen=True)
class Step:
    """One thing to run: a console command with its expected output, or a script."""

    block: Block
    command: str
    expected: list[str] = field(default_factory=list)
    script: str | None = None


def steps(block: Block) -> list[Step]:
    """The commands of a console block, or the one script of a python block."""
    if block.kind == "script":
        return [Step(block, "python -", script=block.text)]
    found: list[Step] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            found.append(Step(block, line[2:].strip()))
        elif found:
            found[-1].expected.append(line)
    if not found:
        raise ValueError(f"{block.where}: a console block without a '$ ' command")
    return found


class Page:
    """The folder of one page: files written and commands run, in page order, once each."""

    def __init__(self, folder: Path, blocks: list[Block]) -> None:
        self.folder = folder
        self.blocks = blocks
        self.done = 0
        self.failed: Block | None = None

    def run_before(self, block: Block) -> Block | None:
        """Run every block before ``block`` not yet run; the earlier block that failed, if any."""
        stop = self.blocks.index(block)
        while self.failed is None and self.done < stop:
            earlier = self.blocks[self.done]
            self.done += 1
            if self.check(earlier) is not None:
                self.failed = earlier
        return self.failed

    def check(self, block: Block) -> str | None:
        """Write or run ``block``: None if it did what the page says, else why not."""
        if block.kind == "file":
            assert block.file is not None
            target = self.folder / block.file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.text, encoding="utf-8")
            return None
        if block.kind == "shown":
            return None
        for step in steps(block):
            problem = self._run(step)
            if problem is not None:
                return problem
        return None

    def _run(self, step: Step) -> str | None:
        try:
            done = subprocess.run(
                step.command,
                shell=True,
                cwd=self.folder,
                env=_environment(),
                input=step.script,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=COMMAND_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            return f"{step.block.where}: `{step.command}` ran over {COMMAND_TIMEOUT}s"
        wanted = step.block.exit
        missing = unmatched(step.expected, done.stdout)
        if done.returncode == wanted and missing is None:
            return None
        what = step.script if step.script is not None else "\n".join(step.expected)
        why = (
            f"exited {done.returncode}, expected {wanted}"
            if done.returncode != wanted
            else f"output lacks (in order): {missing!r}"
        )
        return (
            f"{step.block.where}: `{step.command}` {why}\n"
            f"--- {'script' if step.script is not None else 'expected'} ---\n{what}\n"
            f"--- actual output ---\n{done.stdout}"
        )


def _environment() -> dict[str, str]:
    """The environment of a docs command: the test virtualenv first, 80 columns, no colour."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_ENV)}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(COLUMNS="80", PY_COLORS="0", NO_COLOR="1", PYTHONDONTWRITEBYTECODE="1")
    return env
