"""``--processes`` settings from the command line and the ini file, validated once.

Each value is read from the command line first, then the ini file; a bad
value is a usage error that says which option and where it came from.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..api.functions import TaskOptions
from ..engine.capture import CaptureMode
from ..engine.dask_client import missing_dask_message
from ..model.names import RUN_EXECUTORS as EXECUTORS
from .junit_output import INI as JUNIT_OUTPUT_INI
from .junit_output import parse_size
from .option_source import read_option
from .other_plugins import (
    default_timeout_source_key,
    global_reruns,
    global_reruns_delay,
    global_retry_on,
    global_timeout,
)
from .report_files import report_target
from .runparams import parse_assignments

__all__ = ["HELP", "Settings"]

HELP = {
    "processes": "collect tasks_*.py and tasks_*.yaml files and run their task graph "
    "(tests are not run)",
    "workers": "how many tasks run at once (default: 4; 1 runs them one by one on the main thread)",
    "param": "a run parameter for tasks that take a parameter of that name, cast by its "
    "annotation (repeatable)",
    "retries": "default extra attempts for a failing task (default: 0)",
    "timeout": "default time limit per attempt, in seconds (default: none)",
    "json": "write the run's report as JSON to this path",
    "graph": "print the task graph as a Mermaid flowchart instead of running it",
    "files": "glob patterns of task files (default: tasks_*.py tasks_*.yaml)",
    "name": "process name used in reports (default: the rootdir's name)",
    "limit": "at most N tasks holding lock NAME run at once (repeatable; default 1 per lock)",
    "resume": "re-run only what did not succeed last time (and what depends on it); "
    "results of tasks that succeeded are restored from pytest's cache",
    "executor": "where tasks run: thread (default; I/O-bound work), process (CPU-bound work; "
    "a timeout kills the worker) or dask (a Dask cluster; needs pytest-processes[dask])",
    "dask_address": "scheduler of an existing Dask cluster, tcp://HOST:PORT (implies "
    "--processes-executor dask; without it, dask starts a local cluster for the run)",
    "junit_output_limit": "under --junitxml, keep the last SIZE of each task's captured "
    "stdout, stderr and log (bytes, or with KB/MB/GB; default 1MB; 0 keeps all)",
}


def _value(config: pytest.Config, name: str) -> tuple[Any, str]:
    """(value, where) from the command line if given, else the ini file."""
    found = read_option(config, name)
    return (
        found.value,
        found.option if found.from_command_line else f"{found.ini} in the config file",
    )


def _whole_number(config: pytest.Config, name: str, minimum: int) -> int:
    """The int setting ``name``, at least ``minimum``, or a usage error naming its source."""
    raw, where = _value(config, name)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = minimum - 1
    if value < minimum:
        raise pytest.UsageError(
            f"Invalid {name} {raw!r} from {where}: expected a whole number of at least {minimum}"
        )
    return value


def _executor(config: pytest.Config) -> tuple[str, str | None]:
    """(executor, Dask scheduler address) from the options, checked against each other."""
    address, where = _value(config, "dask_address")
    address = str(address).strip() or None
    if address is not None and "://" not in address:
        raise pytest.UsageError(
            f"Invalid dask address {address!r} from {where}: expected tcp://HOST:PORT"
        )
    raw, source = _value(config, "executor")
    kind = str(raw).strip().lower()
    if not kind:
        kind, source = ("dask", where) if address else ("thread", source)
    if kind not in EXECUTORS:
        raise pytest.UsageError(
            f"Invalid executor {raw!r} from {source}: expected one of {', '.join(EXECUTORS)}"
        )
    if address is not None and kind != "dask":
        raise pytest.UsageError(
            f"{where} is for the dask executor, but {source} asks for {kind!r}; "
            "drop the address or use --processes-executor dask"
        )
    if kind == "dask":
        try:
            importlib.import_module("distributed")
        except ImportError:
            raise pytest.UsageError(
                missing_dask_message(f"the dask executor (from {source})")
            ) from None
    return kind, address


def _limits(config: pytest.Config) -> dict[str, int]:
    """``NAME=N`` lock limits from the ini file, then the command line (which wins)."""
    sources = [
        (config.getini("processes_limits"), "processes_limits in the config file"),
        (config.getoption("processes_limit") or [], "--processes-limit"),
    ]
    limits: dict[str, int] = {}
    for values, where in sources:
        try:
            pairs = parse_assignments(values, where)
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None
        for lock, raw in pairs.items():
            try:
                limits[lock] = int(raw)
            except ValueError:
                limits[lock] = 0
            if limits[lock] < 1:
                raise pytest.UsageError(
                    f"Invalid limit {lock}={raw!r} from {where}: expected a whole number of "
                    "at least 1 (tasks holding that lock that may run at once)"
                )
    return limits


@dataclass
class Settings:
    """Validated settings of one ``--processes`` session."""

    workers: int = 4
    run_params: dict[str, str] = field(default_factory=dict)
    defaults: TaskOptions = field(default_factory=TaskOptions)
    json_path: str | None = None
    #: ``json_path`` made absolute and checked writable at configure time
    json_target: Path | None = None
    graph: bool = False
    #: from ``--capture``: "fd" (pytest's default) also captures descriptors 1 and 2
    capture: CaptureMode = "fd"
    name: str = ""
    executor: str = "thread"
    dask_address: str | None = None
    limits: dict[str, int] = field(default_factory=dict)
    resume: bool = False
    #: bytes of each captured stream a task keeps in JUnit (0: all)
    junit_output_limit: int = 0

    @classmethod
    def from_config(cls, config: pytest.Config) -> Settings:
        workers = _whole_number(config, "workers", minimum=1)
        retries = _whole_number(config, "retries", minimum=0)
        timeout = _timeout(config)
        retry_on = None
        if retries == 0:  # pytest-rerunfailures' --reruns: any failure, or its regexes
            retries, _ = global_reruns(config)
            retry_on = global_retry_on(config) if retries else None
        params = _run_params(config)
        name = config.getini("processes_name") or config.rootpath.name
        executor, dask_address = _executor(config)
        limits = _limits(config)
        resume = bool(read_option(config, "resume").value)
        if resume and not config.pluginmanager.has_plugin("cacheprovider"):
            raise pytest.UsageError(
                "--processes-resume needs pytest's cache, which -p no:cacheprovider disabled"
            )
        json_path, json_target = report_target(config, "json") or (None, None)
        return cls(
            workers=workers,
            run_params=params,
            defaults=TaskOptions(
                retries=retries,
                timeout=timeout,
                retry_on=retry_on,
                retry_delay=global_reruns_delay(config),
            ),
            json_path=json_path,
            json_target=json_target,
            graph=bool(read_option(config, "graph").value),
            capture=_capture_mode(config),
            name=name,
            executor=executor,
            dask_address=dask_address,
            limits=limits,
            resume=resume,
            junit_output_limit=parse_size(str(config.getini(JUNIT_OUTPUT_INI))),
        )


def _timeout(config: pytest.Config) -> float | None:
    """``--processes-timeout``, else pytest-timeout's global one; where it came from is stashed."""
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
    source = where if timeout is not None else ""
    if timeout is None:  # pytest-timeout's global setting, when that plugin is installed
        timeout, source = global_timeout(config)
    config.stash[default_timeout_source_key] = source
    return timeout


def _run_params(config: pytest.Config) -> dict[str, str]:
    """``processes_params`` from the ini file, overridden by each ``--processes-param``."""
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
    return params


def _capture_mode(config: pytest.Config) -> CaptureMode:
    """``--capture=fd`` captures tasks' descriptors too; ``sys``/``tee-sys`` only the streams."""
    option = config.getoption("capture", "fd")
    return "fd" if option == "fd" else option != "no"
