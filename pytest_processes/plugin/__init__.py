"""pytest --processes: the entry point (options, hooks, collection switch).

Loaded through the ``pytest11`` entry point ``processes``; disable it with
``-p no:processes``. Without ``--processes`` it only registers its options,
hook specs and marker: plain ``pytest`` never collects or runs a task.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

from .. import hookspecs
from ..engine.masking import SecretMasker, use_masker
from .collect import MARKER, TasksModule
from .compat import VerboseWord, add_rewrite_patterns, make_collect_report, verbose_word
from .delivery import Delivery
from .delivery_options import add_delivery_options
from .jobfiles import JobFile
from .junit_output import DEFAULT_LIMIT as JUNIT_OUTPUT_DEFAULT
from .junit_output import INI as JUNIT_OUTPUT_INI
from .mask_options import add_mask_options, masker_from_config
from .other_plugins import (
    RerunReports,
    default_timeout_source_key,
    header_lines,
    refuse_unsupported_options,
)
from .run import ProcessesRun
from .settings import HELP, Settings

run_key = pytest.StashKey[ProcessesRun]()
#: the masker in use before this session set its own, put back at unconfigure
previous_masker_key = pytest.StashKey[SecretMasker | None]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``--processes-*`` options and their ini keys."""
    group = parser.getgroup("processes", "pytest-processes: run task graphs from tasks_*.py files")
    group.addoption("--processes", action="store_true", default=False, help=HELP["processes"])
    group.addoption(
        "--processes-workers", dest="processes_workers", metavar="N", help=HELP["workers"]
    )
    group.addoption(
        "--processes-param",
        dest="processes_param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=HELP["param"],
    )
    group.addoption(
        "--processes-retries", dest="processes_retries", metavar="N", help=HELP["retries"]
    )
    group.addoption(
        "--processes-timeout", dest="processes_timeout", metavar="SECONDS", help=HELP["timeout"]
    )
    group.addoption("--processes-json", dest="processes_json", metavar="PATH", help=HELP["json"])
    group.addoption(
        "--processes-executor",
        dest="processes_executor",
        metavar="thread|process|dask",
        help=HELP["executor"],
    )
    group.addoption(
        "--processes-dask-address",
        dest="processes_dask_address",
        metavar="tcp://HOST:PORT",
        help=HELP["dask_address"],
    )
    group.addoption(  # default None: the ini key processes_graph applies when not given
        "--processes-graph",
        dest="processes_graph",
        action="store_true",
        default=None,
        help=HELP["graph"],
    )
    add_delivery_options(group, parser)
    add_mask_options(group, parser)
    group.addoption(
        "--processes-limit",
        dest="processes_limit",
        action="append",
        default=[],
        metavar="NAME=N",
        help=HELP["limit"],
    )
    group.addoption(
        "--processes-resume",
        dest="processes_resume",
        action="store_true",
        default=None,
        help=HELP["resume"],
    )
    _add_ini(parser)


def _add_ini(parser: pytest.Parser) -> None:
    """The ini keys of the run settings (after the delivery and mask ones, as in ``--help``)."""
    parser.addini("processes_limits", HELP["limit"], type="linelist", default=[])
    parser.addini(
        "processes_files", HELP["files"], type="args", default=["tasks_*.py", "tasks_*.yaml"]
    )
    parser.addini("processes_workers", HELP["workers"], default="4")
    parser.addini("processes_params", HELP["param"], type="linelist", default=[])
    parser.addini("processes_retries", HELP["retries"], default="0")
    parser.addini("processes_timeout", HELP["timeout"], default="")
    parser.addini("processes_json", HELP["json"], default="")
    parser.addini("processes_graph", HELP["graph"], type="bool", default=False)
    parser.addini("processes_resume", HELP["resume"], type="bool", default=False)
    parser.addini("processes_name", HELP["name"], default="")
    parser.addini("processes_executor", HELP["executor"], default="")
    parser.addini("processes_dask_address", HELP["dask_address"], default="")
    parser.addini(JUNIT_OUTPUT_INI, HELP["junit_output_limit"], default=JUNIT_OUTPUT_DEFAULT)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(retries=N, timeout=SECONDS, retry_on=(Exc,), retry_delay=SECONDS, "
        "trigger=..., locks=[...], executor=thread|process|dask, before=[pattern, ...], "
        "wave=N): "
        "per-task options for pytest --processes",
    )
    if not config.getoption("processes"):
        return
    refuse_unsupported_options(config)
    settings = Settings.from_config(config)
    delivery = Delivery.from_config(config)
    run = ProcessesRun(config, settings)
    masker = masker_from_config(config, *delivery.settings.secrets)
    config.stash[previous_masker_key] = use_masker(masker)
    config.stash[run_key] = run
    config.pluginmanager.register(run, "processes-run")
    lookup = lambda name: None if name in run.support else run.graph.items.get(name)  # noqa: E731
    config.pluginmanager.register(RerunReports(lookup), "processes-reruns")
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(delivery, "processes-delivery")
    add_rewrite_patterns(config, config.getini("processes_files"))  # assertions in task modules


def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(run_key, None)
    if run is not None:
        config.pluginmanager.unregister(run)
        del config.stash[run_key]
    for name in ("processes-delivery", "processes-reruns"):
        plugin = config.pluginmanager.get_plugin(name)
        if plugin is not None:
            config.pluginmanager.unregister(plugin)
    if previous_masker_key in config.stash:
        use_masker(config.stash[previous_masker_key])
        del config.stash[previous_masker_key]


def _is_task_file(path: Path, config: pytest.Config) -> bool:
    return any(fnmatch.fnmatch(path.name, pat) for pat in config.getini("processes_files"))


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With --processes, only task files are collected: test modules are not even imported."""
    if not config.getoption("processes") or collection_path.is_dir():
        return None
    if collection_path.suffix == ".py" and not _is_task_file(collection_path, config):
        return True
    return None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if parent.config.getoption("processes") and _is_task_file(file_path, parent.config):
        if file_path.suffix in (".yaml", ".yml"):
            return JobFile.from_parent(parent, path=file_path)
        return TasksModule.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_make_collect_report(collector: pytest.Collector) -> pytest.CollectReport | None:
    """Collect job files whole: ``--lf`` would skip the files of a failed task's upstream."""
    return make_collect_report(collector) if isinstance(collector, JobFile) else None


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    run = config.stash.get(run_key, None)
    if run is None:
        return None
    s = run.settings
    timeout = f"{s.defaults.timeout}s" if s.defaults.timeout else "none"
    source = config.stash.get(default_timeout_source_key, "")
    if s.defaults.timeout and not source.startswith(("--processes", "processes_")):
        timeout += f" from {source}"
    pdb = " (one task at a time for --pdb)" if config.getoption("usepdb", False) else ""
    line = f"processes: workers={s.workers}{pdb}, retries={s.defaults.retries}, timeout={timeout}"
    if s.defaults.retry_delay:
        line += f", retry delay={s.defaults.retry_delay:g}s"
    if s.executor != "thread":
        line += f", executor={s.executor}"
        line += f" at {s.dask_address}" if s.dask_address else ""
    return [line, *header_lines(config)]


def pytest_report_teststatus(
    report: pytest.TestReport, config: pytest.Config
) -> tuple[str, str, VerboseWord] | None:
    """Show retries: ``PASSED (3 attempts)`` in -v output."""
    if report.when == "call" and getattr(report, "processes_restored", False):
        return "passed", "r", verbose_word("RESTORED", cyan=True)
    attempts = getattr(report, "processes_attempts", 1)
    if report.when != "call" or attempts <= 1:
        return None
    if report.passed:
        return "passed", ".", verbose_word(f"PASSED ({attempts} attempts)", green=True)
    if report.failed:
        return "failed", "F", verbose_word(f"FAILED ({attempts} attempts)", red=True)
    return None
