"""Other pytest plugins' settings for tasks: pytest-timeout and pytest-rerunfailures, mapped.

Tasks never go through ``pytest_runtest_protocol``, where those plugins act, so
their settings become the task's own time limit and retries. Precedence, first
wins: the task's own ``timeout=``/``retries=`` (``@task``, ``@pytest.mark.processes``),
then ``@pytest.mark.timeout``/``@pytest.mark.flaky``, then ``--processes-timeout``/
``--processes-retries``, then the other plugin's global option, ini key or variable.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import os
import platform
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

import pytest

from ..api.functions import TaskOptions
from .compat import verbose_word

__all__ = [
    "KNOWN_PLUGINS",
    "RerunReports",
    "bypassing_plugins",
    "default_timeout_source_key",
    "global_reruns",
    "global_reruns_delay",
    "global_retry_on",
    "global_timeout",
    "header_lines",
    "marker_options",
    "timeout_source",
    "timeout_source_key",
    "with_limit_source",
]

#: the one list of other plugins that wrap the test protocol and what they mean for tasks:
#: "mapped" ones have their settings turned into task options (this module), the others
#: need nothing for tasks; any other plugin wrapping the protocol is named in the header
KNOWN_PLUGINS = {
    "pytest-timeout": "mapped: its limits become the task's timeout",
    "pytest-rerunfailures": "mapped: its reruns and their delay become the task's retries",
    "pytest-xdist": "harmless: -n is refused with --processes, tasks already run in parallel",
    "pytest-asyncio": "harmless: async def tasks run on the engine's own event loop",
    "pytest-cov": "harmless: coverage is recorded around the whole run",
}
#: the hooks through which a plugin acts on each test, which tasks never go through
PROTOCOL_HOOKS = ("pytest_runtest_protocol", "pytest_runtest_call", "pytest_pyfunc_call")

#: where each task's time limit came from, for the failure message
timeout_source_key = pytest.StashKey[str]()
#: where the run's default time limit came from (``--processes-timeout``, ``--timeout``...)
default_timeout_source_key = pytest.StashKey[str]()


def _seconds(raw: Any, where: str) -> float | None:
    """A time limit in seconds; 0 or less means none (as pytest-timeout reads it)."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise pytest.UsageError(
            f"Invalid timeout {raw!r} from {where}: expected a number of seconds"
        ) from None
    return value if value > 0 else None


def _ini(config: pytest.Config, name: str) -> Any:
    """The other plugin's ini value, or None where its installed version has no such key."""
    try:
        return config.getini(name)
    except ValueError:  # "unknown configuration value": an older release of that plugin
        return None


def global_timeout(config: pytest.Config) -> tuple[float | None, str]:
    """pytest-timeout's ``--timeout``, ``PYTEST_TIMEOUT`` or ``timeout`` ini key, and which one.

    The same order as pytest-timeout reads them; ``(None, "")`` without the plugin.
    """
    if not config.pluginmanager.hasplugin("timeout"):
        return None, ""
    cli = config.getoption("timeout", None)
    if cli is not None:
        return _seconds(cli, "--timeout"), f"--timeout={cli:g} (pytest-timeout)"
    env = os.environ.get("PYTEST_TIMEOUT", "").strip()
    if env:
        where = f"PYTEST_TIMEOUT={env} (pytest-timeout)"
        return _seconds(env, "the PYTEST_TIMEOUT environment variable"), where
    ini = str(_ini(config, "timeout") or "").strip()
    if ini:
        return _seconds(ini, "the timeout ini key"), f"timeout = {ini} in the config file"
    return None, ""


def timeout_marker(item: pytest.Item) -> tuple[float | None, str] | None:
    """``@pytest.mark.timeout(S)`` of a task: its limit (None: no limit) and its text."""
    mark = item.get_closest_marker("timeout")
    if mark is None or not item.config.pluginmanager.hasplugin("timeout"):
        return None
    raw = mark.kwargs.get("timeout", mark.args[0] if mark.args else None)
    shown = f"@pytest.mark.timeout({raw!r})"
    return _seconds(raw, f"{shown} on {item.nodeid}"), shown


def global_reruns(config: pytest.Config) -> tuple[int, str]:
    """pytest-rerunfailures' ``--reruns`` or ``reruns`` ini key, and which one (0 without)."""
    if not config.pluginmanager.hasplugin("rerunfailures"):
        return 0, ""
    cli = config.getoption("reruns", None)
    if cli is not None:
        return max(int(cli), 0), f"--reruns {cli} (pytest-rerunfailures)"
    ini = str(_ini(config, "reruns") or "").strip()
    if ini.isdigit():
        return int(ini), f"reruns = {ini} in the config file"
    return 0, ""


def _delay(raw: Any, where: str) -> float:
    """Seconds between reruns; below 0 means none (as pytest-rerunfailures reads it)."""
    try:
        return max(float(raw), 0.0)
    except (TypeError, ValueError):
        raise pytest.UsageError(
            f"Invalid reruns delay {raw!r} from {where}: expected a number of seconds"
        ) from None


def global_reruns_delay(config: pytest.Config) -> float:
    """pytest-rerunfailures' ``--reruns-delay`` or ``reruns_delay`` ini key (0 without)."""
    if not config.pluginmanager.hasplugin("rerunfailures"):
        return 0.0
    cli = config.getoption("reruns_delay", None)
    if cli is not None:
        return _delay(cli, "--reruns-delay")
    ini = str(_ini(config, "reruns_delay") or "").strip()
    return _delay(ini, "the reruns_delay ini key") if ini else 0.0


def _matches(pattern: Any, exc: BaseException) -> bool:
    """A regex searched in ``"Type: message"``, or an exception class, as reruns match them."""
    if isinstance(pattern, type):
        return isinstance(exc, pattern)
    return re.search(str(pattern), f"{type(exc).__name__}: {exc}") is not None


class _ErrorPattern(type):
    """Makes ``isinstance(exc, cls)`` apply pytest-rerunfailures' filters to a task's error."""

    only: tuple[Any, ...]
    never: tuple[Any, ...]
    condition: Callable[[BaseException], object] | None

    def __instancecheck__(cls, exc: Any) -> bool:
        if not isinstance(exc, Exception):
            return False
        if cls.only and not any(_matches(p, exc) for p in cls.only):
            return False
        if any(_matches(p, exc) for p in cls.never):
            return False
        return cls.condition is None or bool(cls.condition(exc))


def rerun_on(
    only: list[Any],
    never: list[Any],
    condition: Callable[[BaseException], object] | None = None,
) -> tuple[type[Exception], ...]:
    """``retry_on`` for ``only_rerun``/``rerun_except`` and a ``condition(error)`` (any without)."""
    if not only and not never and condition is None:
        return (Exception,)
    namespace = {"only": tuple(only), "never": tuple(never), "condition": condition}
    matcher = _ErrorPattern("RerunFailuresFilter", (Exception,), namespace)
    return (cast("type[Exception]", matcher),)


def _patterns(config: pytest.Config, mark: Any, name: str) -> list[Any]:
    """The marker's ``only_rerun``/``rerun_except`` (regexes or classes), else the option."""
    if mark is not None and name in mark.kwargs:
        value = mark.kwargs[name]
        return [value] if isinstance(value, (str, type)) else list(value)
    cli = getattr(config.option, name, None)
    return list(cli) if cli else list(_ini(config, name) or [])


def global_retry_on(config: pytest.Config) -> tuple[type[Exception], ...] | None:
    """``retry_on`` for the global ``--reruns``: as that plugin, any failure, or the regexes."""
    if not config.pluginmanager.hasplugin("rerunfailures"):
        return None
    only, never = _patterns(config, None, "only_rerun"), _patterns(config, None, "rerun_except")
    return rerun_on(only, never)


def _takes_error(condition: Callable[..., object]) -> bool:
    try:
        return bool(inspect.signature(condition).parameters)
    except (TypeError, ValueError):
        return False


def _condition(item: pytest.Item, mark: Any) -> tuple[bool, Callable[..., object] | None]:
    """The flaky marker's ``condition``: whether reruns apply, and a check of each error.

    A bool or a string (evaluated as ``skipif`` strings are) decides before the run;
    a callable taking the error decides at each failure, one taking nothing now.
    """
    condition = mark.kwargs.get("condition", True)
    try:
        if callable(condition):
            return (True, condition) if _takes_error(condition) else (bool(condition()), None)
        if isinstance(condition, str):
            namespace: dict[str, Any] = {"os": os, "sys": sys, "platform": platform}
            namespace.update(getattr(getattr(item, "obj", None), "__globals__", {}))
            namespace["config"] = item.config
            return bool(eval(condition, namespace)), None  # as skipif evaluates its strings
        return bool(condition), None
    except Exception as exc:
        raise pytest.UsageError(
            f"{item.nodeid}: the condition of @pytest.mark.flaky ({condition!r}) raised "
            f"{type(exc).__name__}: {exc}"
        ) from None


def flaky_options(item: pytest.Item, opts: TaskOptions) -> TaskOptions:
    """``@pytest.mark.flaky(reruns=N, reruns_delay=S, only_rerun=..., rerun_except=...,
    condition=...)``; as that plugin, the marker's delay (0 if none) replaces the global one."""
    mark = item.get_closest_marker("flaky")
    if mark is None or not item.config.pluginmanager.hasplugin("rerunfailures"):
        return opts
    reruns = mark.kwargs.get("reruns", mark.args[0] if mark.args else 1)
    delay = mark.kwargs.get("reruns_delay", mark.args[1] if len(mark.args) > 1 else 0)
    delay = _delay(delay, f"@pytest.mark.flaky(reruns_delay=...) on {item.nodeid}")
    applies, check = _condition(item, mark)
    if not applies:
        return replace(opts, retries=0)
    only = _patterns(item.config, mark, "only_rerun")
    never = _patterns(item.config, mark, "rerun_except")
    retry_on = rerun_on(only, never, check)
    return replace(opts, retries=int(reruns), retry_on=retry_on, retry_delay=delay)


def marker_options(item: pytest.Item, opts: TaskOptions) -> TaskOptions:
    """The timeout and flaky markers of ``item`` over the run's defaults ``opts``."""
    timeout = timeout_marker(item)
    if timeout is not None:
        opts = replace(opts, timeout=timeout[0])
    return flaky_options(item, opts)


def timeout_source(item: pytest.Item, own: TaskOptions | None, marker: str) -> str:
    """Which setting gave ``item`` its time limit, highest precedence first."""
    for mark in item.iter_markers(marker):
        if "timeout" in mark.kwargs:
            return f"@pytest.mark.{marker}(timeout={mark.kwargs['timeout']!r})"
    if own is not None and own.timeout is not None:
        return f"@task(timeout={own.timeout!r})"
    timeout = timeout_marker(item)
    if timeout is not None:
        return timeout[1]
    return item.config.stash.get(default_timeout_source_key, "")


def with_limit_source(item: pytest.Item, exc: BaseException) -> BaseException:
    """A deadline's ``TimeoutError`` that also says which setting gave the limit."""
    source = item.stash.get(timeout_source_key, "")
    if not source or exc.__traceback__ is not None or type(exc) is not TimeoutError:
        return exc
    return TimeoutError(f"{exc} (limit from {source})")


class RerunReports:
    """Each retried attempt is logged as pytest-rerunfailures logs a rerun: ``R``, ``1 rerun``.

    Registered with or without that plugin: its ``rerun`` outcome is given the same
    letter and word here when it is not installed.
    """

    def __init__(self, lookup: Callable[[str], pytest.Item | None]) -> None:
        self.lookup = lookup

    def pytest_processes_task_retry(self, task: Any, attempt: int, error: str) -> None:
        item = self.lookup(task.name)
        if item is None:  # an upstream task that was not selected: not shown
            return
        keywords: dict[str, Any] = {k: 1 for k in item.keywords}
        outcome = cast("Any", "rerun")  # that plugin's own outcome, outside pytest's three
        report = pytest.TestReport(item.nodeid, item.location, keywords, outcome, error, "call")
        report.rerun = attempt - 1  # type: ignore[attr-defined]
        report.processes_rerun = True  # type: ignore[attr-defined]
        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        item.ihook.pytest_runtest_logreport(report=report)

    def pytest_report_teststatus(self, report: pytest.TestReport) -> Any:
        """``R`` in the progress line, ``RERUN`` with ``-v``, ``N rerun`` in the summary."""
        outcome: str = report.outcome  # that plugin's "rerun" is outside pytest's Literal
        if outcome == "rerun" and getattr(report, "processes_rerun", False):
            return "rerun", "R", verbose_word("RERUN", yellow=True)
        return None


def refuse_unsupported_options(config: pytest.Config) -> None:
    """Other plugins' options that cannot work with ``--processes``: a usage error."""
    if getattr(config.option, "numprocesses", None):
        raise pytest.UsageError(
            "--processes cannot be combined with pytest-xdist's -n: tasks already run in "
            "parallel; drop -n (or add -n 0 when addopts sets it) and use --processes-workers N"
        )
    if getattr(config.option, "allure_report_dir", None):
        raise pytest.UsageError(
            "--processes cannot be combined with allure-pytest's --alluredir: its report hooks "
            "need the test protocol, which tasks do not go through; drop --alluredir and give "
            "Allure the JUnit file instead (--junitxml=report.xml)"
        )


def header_lines(config: pytest.Config) -> list[str]:
    """What of the other plugins' settings does not apply to tasks, said once."""
    lines = []
    if config.pluginmanager.hasplugin("timeout"):
        method = config.getoption("timeout_method", None) or _ini(config, "timeout_method")
        if method:
            lines.append(
                f"processes: timeout_method={method} (pytest-timeout) does not apply to tasks: "
                "a task over its limit is stopped by pytest-processes' own timeout"
            )
    lines += [
        f"processes: plugin {name} does not act on tasks: it wraps each test's run "
        f"({', '.join(hooks)}), which tasks do not go through"
        for name, hooks in bypassing_plugins(config).items()
    ]
    return lines


def _plugin_name(plugin: object, dists: dict[int, str]) -> str:
    """The distribution that installed ``plugin``, else its top-level module's name."""
    module = getattr(plugin, "__name__", None) or type(plugin).__module__
    if id(plugin) in dists:
        return dists[id(plugin)]
    top = module.split(".")[0]
    for name in importlib.metadata.packages_distributions().get(top, []):
        return name
    return top


def bypassing_plugins(config: pytest.Config) -> dict[str, list[str]]:
    """Installed plugins that act through the test protocol and are not in ``KNOWN_PLUGINS``.

    pytest's own plugins, this one, and ``conftest.py`` files are left out.
    """
    manager = config.pluginmanager
    dists = {id(plugin): dist.project_name for plugin, dist in manager.list_plugin_distinfo()}
    found: dict[str, list[str]] = {}
    for hook in PROTOCOL_HOOKS:
        for impl in getattr(manager.hook, hook).get_hookimpls():
            plugin = impl.plugin
            module = getattr(plugin, "__name__", None) or type(plugin).__module__
            if module.split(".")[0] in ("_pytest", "pytest_processes", "pytest", "conftest"):
                continue
            if str(getattr(plugin, "__file__", "")).endswith("conftest.py"):
                continue
            name = _plugin_name(plugin, dists)
            if name not in KNOWN_PLUGINS:
                found.setdefault(name, []).append(hook)
    return found
