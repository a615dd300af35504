"""docs/plugins.md agrees with KNOWN_PLUGINS, with the header's lines and with the compat extra."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from compat_helpers import run_tasks

from pytest_processes.plugin.other_plugins import KNOWN_PLUGINS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[2]
#: the plugin CI tests in pytest-env's place (the two cannot be installed together)
NOT_IN_EXTRA = {"pytest-dotenv"}


def _table() -> dict[str, str]:
    """Each plugin row of docs/plugins.md: name -> state."""
    page = (ROOT / "docs" / "plugins.md").read_text()
    rows = dict(re.findall(r"^\| ([a-z0-9-]+) \| [^|]+ \| ([a-z ]+) \|", page, re.M))
    rows.pop("plugin", None)  # the heading row
    assert rows, "no plugin rows in docs/plugins.md"
    return rows


def test_mapped_plugins_are_mapped_in_the_table() -> None:
    """A plugin that KNOWN_PLUGINS maps is "mapped" on the page, and only those."""
    table = _table()
    mapped = {name for name, meaning in KNOWN_PLUGINS.items() if meaning.startswith("mapped")}
    assert {name for name in KNOWN_PLUGINS if name in table} == set(KNOWN_PLUGINS)
    assert {name for name, state in table.items() if state == "mapped"} == mapped


def test_the_compat_extra_installs_every_plugin_of_the_table() -> None:
    """Every row has its plugin in the ``compat`` extra, so CI runs the test behind it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extra = {
        re.split(r"[<>=!~\[ ]", spec)[0] for spec in project["optional-dependencies"]["compat"]
    }
    assert extra == set(_table()) - NOT_IN_EXTRA


def test_plugins_the_header_names_do_not_act_on_tasks_in_the_table(
    pytester: pytest.Pytester,
) -> None:
    """Each installed plugin the run's header says is bypassed is "does not act on tasks" here."""
    pytester.makepyfile(tasks_one="def task_one():\n    pass\n")
    result = run_tasks(pytester)
    result.assert_outcomes(passed=1)
    named = re.findall(r"^processes: plugin (\S+) does not act on tasks", result.stdout.str(), re.M)
    table = _table()
    assert {name: table.get(name) for name in named} == dict.fromkeys(
        named, "does not act on tasks"
    )
