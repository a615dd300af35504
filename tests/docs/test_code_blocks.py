"""Every code block of README.md and docs/*.md does what the page says (see ``doc_blocks``).

One test per block that runs something; a page's blocks share one temporary folder
and run in page order, so a block's test first runs the earlier blocks of its page
that this worker has not run yet (pages spread over ``-n`` workers; a page split
between two workers is run in full by each).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from doc_blocks import Block, Page, read_blocks

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _blocks() -> list[Block]:
    found = []
    for path in PAGES:
        found += read_blocks(path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"))
    return found


BLOCKS = _blocks()
RUN = [b for b in BLOCKS if b.kind in ("console", "script")]
_pages: dict[str, Page] = {}


def _page(block: Block, tmp_path_factory: pytest.TempPathFactory) -> Page:
    """This worker's folder for ``block``'s page, made on first use."""
    if block.page not in _pages:
        name = block.page.replace("/", "-").removesuffix(".md")
        own = [b for b in BLOCKS if b.page == block.page]
        _pages[block.page] = Page(tmp_path_factory.mktemp(name, numbered=True), own)
    return _pages[block.page]


@pytest.mark.parametrize("block", RUN, ids=[b.where for b in RUN])
def test_code_block(block: Block, tmp_path_factory: pytest.TempPathFactory) -> None:
    page = _page(block, tmp_path_factory)
    failed = page.run_before(block)
    if failed is not None:
        pytest.skip(f"an earlier block of the page failed: {failed.where}")
    page.done = page.blocks.index(block) + 1
    problem = page.check(block)
    if problem is not None:
        page.failed = block
        pytest.fail(problem, pytrace=False)


def test_every_page_runs_something() -> None:
    """A page with code blocks but none that runs is probably missing its ``console`` block."""
    idle = sorted({b.page for b in BLOCKS if b.kind == "file"} - {b.page for b in RUN})
    assert not idle, f"pages that write files but run nothing: {idle}"


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run runs the README's second set-up line byte for byte."""
    readme = read_blocks("README.md", (ROOT / "README.md").read_text(encoding="utf-8"))
    setup = readme[0].text.splitlines()
    assert len(setup) == 2 and "[test]" in setup[1], "the README opens with its two set-up lines"
    assert setup[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
