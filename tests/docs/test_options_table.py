"""The README's options table lists every ``--processes-*`` option and ini key pytest knows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def test_options_table_is_complete(pytester: pytest.Pytester) -> None:
    text = pytester.runpytest("--help").stdout.str()
    options = set(re.findall(r"^  (--processes[a-z-]*)", text, re.MULTILINE))
    keys = set(re.findall(r"^  (processes_[a-z_]+) \(", text, re.MULTILINE))
    rows = [line for line in README.read_text(encoding="utf-8").splitlines() if line[:2] == "| "]
    listed = {name for row in rows for name in re.findall(r"`(--processes[a-z-]*)", row)}
    listed |= {name for row in rows for name in re.findall(r"`(processes_[a-z_]+)`", row)}
    assert options and keys
    assert not (options | keys) - listed, f"missing from the README: {(options | keys) - listed}"
