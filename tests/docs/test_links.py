"""Relative links of README.md and docs/*.md point at files of the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        for target in _LINK.findall(line):
            path = target.split("#", 1)[0]
            if not path or "://" in target or target.startswith("mailto:"):
                continue
            found = (page.parent / path).resolve()
            if not found.exists():
                broken.append(f"{page.name}:{number}: {target}")
    assert not broken, "links to nothing:\n" + "\n".join(broken)
