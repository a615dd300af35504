"""``--processes`` settings from the command line and the ini file, validated once.

Each value is read from the command line first, then the ini file; a bad
value is a usage error that says which option and where it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from ..runparams import parse_assignments
from ..wiring import TaskOptions

__all__ = ["HELP", "Settings"]

HELP = {
    "processes": "collect tasks_*.py files and run their task graph (tests are not run)",
    "workers": "how many tasks run at once (default: 4; 1 runs them one by one on the main thread)",
    "param": "a run parameter for tasks that take a parameter of that name, cast by its "
    "annotation (repeatable)",
    "retries": "default extra attempts for a failing task (default: 0)",
    "timeout": "default time limit per attempt, in seconds (default: none)",
    "json": "write the run's report as JSON to this path",
    "graph": "print the task graph as a Mermaid flowchart instead of running it",
    "files": "glob patterns of task files (default: tasks_*.py)",
    "name": "process name used in reports (default: the rootdir's name)",
}


def _value(config: pytest.Config, name: str) -> tuple[Any, str]:
    """(value, where) from the command line if given, else the ini file."""
    cli = config.getoption(f"processes_{name}")
    if cli is not None:
        return cli, f"--processes-{name}"
    return config.getini(f"processes_{name}"), f"processes_{name} in the config file"


@dataclass
class Settings:
    """Validated settings of one ``--processes`` session."""

    workers: int = 4
    run_params: dict[str, str] = field(default_factory=dict)
    defaults: TaskOptions = field(default_factory=TaskOptions)
    json_path: str | None = None
    graph: bool = False
    capture: bool = True
    name: str = ""

    @classmethod
    def from_config(cls, config: pytest.Config) -> Settings:
        raw, where = _value(config, "workers")
        try:
            workers = int(raw)
            if workers < 1:
                raise ValueError
        except (TypeError, ValueError):
            raise pytest.UsageError(
                f"Invalid workers {raw!r} from {where}: expected a whole number of at least 1"
            ) from None
        raw, where = _value(config, "retries")
        try:
            retries = int(raw)
            if retries < 0:
                raise ValueError
        except (TypeError, ValueError):
            raise pytest.UsageError(
                f"Invalid retries {raw!r} from {where}: expected a whole number of at least 0"
            ) from None
        raw, where = _value(config, "timeout")
        timeout: float | None = None
        if raw not in (None, "", "none"):
            try:
                timeout = float(raw)
                if timeout <= 0:
                    raise ValueError
            except (TypeError, ValueError):
                raise pytest.UsageError(
                    f"Invalid timeout {raw!r} from {where}: expected seconds greater than 0"
                ) from None
        params: dict[str, str] = {}
        try:
            params.update(
                parse_assignments(
                    config.getini("processes_params"), "processes_params in the config file"
                )
            )
            params.update(
                parse_assignments(config.getoption("processes_param") or [], "--processes-param")
            )
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None
        name = config.getini("processes_name") or config.rootpath.name
        return cls(
            workers=workers,
            run_params=params,
            defaults=TaskOptions(retries=retries, timeout=timeout),
            json_path=config.getoption("processes_json"),
            graph=bool(config.getoption("processes_graph")),
            capture=config.getoption("capture", "fd") != "no",
            name=name,
        )
