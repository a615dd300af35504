"""The docs runner itself: how blocks are read, matched and reported when they fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from doc_blocks import Page, read_blocks, unmatched

PAGE = """\
# Demo

```python file=tasks_demo.py
def task_hello():
    print("hi")
```

  ```console exit=1
  $ python -c "import sys; print('one 0.50s'); print('two'); sys.exit(1)"
  one 1.25s
  ...
  two
  ```

```bash
rm -rf /
```

```python norun
raise SystemExit(3)
```
"""


def test_blocks_are_read_with_their_options() -> None:
    blocks = read_blocks("demo.md", PAGE)
    assert [(b.line, b.kind) for b in blocks] == [
        (3, "file"),
        (8, "console"),
        (15, "shown"),
        (19, "shown"),
    ]
    assert blocks[0].file == "tasks_demo.py" and blocks[0].text.startswith("def task_hello")
    assert blocks[1].exit == 1 and blocks[1].text.startswith("$ python")  # indent removed


def test_unclosed_fence_and_unknown_option_are_errors() -> None:
    with pytest.raises(ValueError, match=r"demo.md:1: code block never closed"):
        read_blocks("demo.md", "```python\nx = 1\n")
    with pytest.raises(ValueError, match=r"demo.md:1: unknown block option\(s\) \['exits'\]"):
        read_blocks("demo.md", "```console exits=1\n$ true\n```\n")


@pytest.mark.parametrize(
    ("expected", "missing"),
    [
        (["==== 2 passed in 0.06s ===="], None),
        (["tasks_a.py::load   PASSED", "...", "2 passed"], None),
        (["generated html file: .../run.html"], None),
        (["2 passed", "tasks_a.py::load"], "tasks_a.py::load"),
        (["3 passed"], "3 passed"),
    ],
)
def test_expected_lines_match_in_order(expected: list[str], missing: str | None) -> None:
    output = (
        "tasks_a.py::load PASSED     [100%]\n"
        "generated html file: /tmp/x/run.html\n"
        "============================== 2 passed in 1.37s ===============================\n"
    )
    assert unmatched(expected, output) == missing


def test_a_page_runs_in_order_and_a_failure_says_where_and_what(tmp_path: Path) -> None:
    blocks = read_blocks("demo.md", PAGE + "```console\n$ python tasks_demo.py\nbye\n```\n")
    page = Page(tmp_path, blocks)
    assert page.run_before(blocks[-1]) is None  # the file is written, the console block passes
    problem = page.check(blocks[-1])
    assert problem is not None
    assert problem.startswith("demo.md:22: `python tasks_demo.py` output lacks (in order): 'bye'")
    assert "--- expected ---\nbye\n--- actual output ---\n" in problem


def test_a_wrong_exit_code_is_reported(tmp_path: Path) -> None:
    blocks = read_blocks("demo.md", "```console\n$ python -c 'raise SystemExit(2)'\n```\n")
    problem = Page(tmp_path, blocks).check(blocks[0])
    assert problem is not None and "exited 2, expected 0" in problem


def test_a_script_block_must_exit_0(tmp_path: Path) -> None:
    blocks = read_blocks("demo.md", "```python\nassert 1 == 2, 'sums'\n```\n")
    problem = Page(tmp_path, blocks).check(blocks[0])
    assert problem is not None and "`python -` exited 1" in problem
    assert "AssertionError: sums" in problem
