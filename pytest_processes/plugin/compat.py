"""Every use of pytest internals by the plugin, in one place.

The rest of the plugin imports only ``pytest`` and this module. Each name here
says which pytest behaviour it relies on; all were checked against pytest
8.0.2, 8.2.2, 9.0.3, 9.1.1 and 9.2.0 (tox envs ``pytest-oldest`` and
``pytest-newest`` cover both ends). When a new pytest moves one of them, this
is the only module to change.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Names pytest does not export, each used as pytest 8.0-9.2 define it:
# - SetupState: ConcurrentSetupState subclasses it and uses its ``stack`` (node ->
#   ([finalizers], exc_info or None)); OutcomeException: the base of skip/fail/exit,
#   which are not ``Exception``s; Skipped: ``pytest.skip.Exception``, as a type.
# - TerminalRepr, ReprFileLocation, TerminalWriter: what a report's ``longrepr``
#   renders with; Traceback: the type of ``ExceptionInfo.traceback`` (a list; slicing
#   gives a Traceback); bestrelpath: the relative path pytest shows for a file.
# - assertion_protocol: the assertion plugin's per-test hook wrapper, a generator
#   (advance once, close after) that turns on assertion explanations.
# - the logging names: the ``caplog`` plumbing pytest's logging plugin sets up per
#   test (handler and records in the item's stash, installed by ``catching_logs``).
# - make_collect_report: the runner's collection of one collector (the hook's default);
#   check_interactive_exception: whether a failed call goes to ``--pdb``.
# - evaluate_skip_marks, evaluate_xfail_marks, xfailed_key: the skipping plugin's
#   reading of ``skip``/``skipif``/``xfail`` marks, and where it keeps the xfail result.
from _pytest._code.code import ReprFileLocation, TerminalRepr, Traceback
from _pytest._io import TerminalWriter
from _pytest.assertion import pytest_runtest_protocol as assertion_protocol
from _pytest.fixtures import FuncFixtureInfo
from _pytest.logging import (
    LogCaptureHandler,
    LoggingPlugin,
    caplog_handler_key,
    caplog_records_key,
    catching_logs,
)
from _pytest.outcomes import OutcomeException, Skipped
from _pytest.pathlib import bestrelpath
from _pytest.python import FunctionDefinition
from _pytest.runner import SetupState, check_interactive_exception
from _pytest.runner import pytest_make_collect_report as make_collect_report
from _pytest.skipping import evaluate_skip_marks, evaluate_xfail_marks, xfailed_key

__all__ = [
    "LogCaptureHandler",
    "LoggingPlugin",
    "OutcomeException",
    "ReprFileLocation",
    "SetupState",
    "Skipped",
    "TerminalRepr",
    "TerminalWriter",
    "Traceback",
    "TracebackFallback",
    "VerboseWord",
    "add_rewrite_patterns",
    "assertion_protocol",
    "bestrelpath",
    "call_info",
    "callspec_ids",
    "callspecs",
    "caplog_handler_key",
    "caplog_records_key",
    "catching_logs",
    "check_interactive_exception",
    "collection_cache",
    "empty_fixture_info",
    "evaluate_skip_marks",
    "evaluate_xfail_marks",
    "fixture_defined",
    "fixture_defs",
    "fixture_manager",
    "fresh_fixturedef",
    "ini_was_set",
    "initial_paths",
    "item_located_skip",
    "junit_append",
    "junit_xml",
    "junit_xml_path",
    "make_collect_report",
    "new_metafunc",
    "parametrize",
    "replace_fixture_defs",
    "replace_setupstate",
    "set_item_fixtures",
    "terminal_column",
    "terminal_file",
    "terminal_width",
    "verbose_word",
    "visible_fixture_names",
    "writes_announced",
    "xfailed_key",
]

# -- fixtures --------------------------------------------------------------------


def fixture_manager(session: pytest.Session) -> Any:
    """The session's ``FixtureManager``: ``session._fixturemanager`` (pytest 8.0-9.2)."""
    return session._fixturemanager


# pytest 8.0's FixtureManager.getfixturedefs(argname, nodeid: str); 8.1 made it (argname, node)
_FIXTUREDEFS_BY_NODE = pytest.version_tuple[:2] >= (8, 1)


def fixture_defined(node: pytest.Item | pytest.Collector, name: str) -> bool:
    """Whether a fixture ``name`` is visible from ``node`` (``getfixturedefs``; see above)."""
    where: Any = node if _FIXTUREDEFS_BY_NODE else node.nodeid
    return bool(fixture_manager(node.session).getfixturedefs(name, where))


def visible_fixture_names(item: pytest.Item) -> list[str]:
    """Public fixture names ``item`` can see, sorted (for "did you mean" hints).

    The manager's table of every fixture by name is private and was renamed:
    ``_arg2fixturedefs`` (8.0-8.x), ``_arg2node2fixturedefs`` / ``_arg2nodeid2fixturedefs`` (9.x).
    """
    fm = fixture_manager(item.session)
    names: set[str] = set()
    for attr in ("_arg2fixturedefs", "_arg2node2fixturedefs", "_arg2nodeid2fixturedefs"):
        names.update(getattr(fm, attr, {}))
    return [n for n in sorted(names) if not n.startswith("_") and fixture_defined(item, n)]


def empty_fixture_info() -> Any:
    """A ``FuncFixtureInfo`` with no fixtures, for ``Function(fixtureinfo=...)`` (8.0-9.2).

    It stands in until :func:`set_item_fixtures` computes the real one.
    """
    return FuncFixtureInfo((), (), [], {})


def set_item_fixtures(item: pytest.Function, func: Callable[..., object]) -> None:
    """Make ``item`` request exactly the fixtures ``func``'s signature names.

    What ``Function.__init__`` does with its ``_fixtureinfo`` (8.0-9.2): compute it
    from a function, set ``fixturenames`` from its closure, and rebuild the request
    (``_initrequest``).
    """
    info = fixture_manager(item.session).getfixtureinfo(item, func, None)
    item._fixtureinfo = info
    item.fixturenames = info.names_closure
    item._initrequest()


def fixture_defs(item: pytest.Item) -> dict[str, Any]:
    """Fixture name -> definitions (outermost first) of ``item``, from its private
    ``_fixtureinfo.name2fixturedefs`` (8.0-9.2); empty for an item without fixtures."""
    info = getattr(item, "_fixtureinfo", None)
    return dict(info.name2fixturedefs) if info is not None else {}


def replace_fixture_defs(item: pytest.Item, name: str, defs: tuple[Any, ...]) -> None:
    """Make ``item`` use ``defs`` for fixture ``name`` when it is set up.

    The definitions live in ``item._fixtureinfo.name2fixturedefs`` and in its
    request's ``_arg2fixturedefs``: a copy made with the item up to pytest 9.0,
    the same dict since 9.1, so both are set.
    """
    item._fixtureinfo.name2fixturedefs[name] = defs  # type: ignore[attr-defined]
    item._request._arg2fixturedefs[name] = defs  # type: ignore[attr-defined]


def fresh_fixturedef(fixturedef: pytest.FixtureDef[object]) -> pytest.FixtureDef[object]:
    """A copy of a fixture definition with an empty cache and no finalizers.

    A ``FixtureDef`` keeps one cached value (``cached_result``, public) and its
    teardowns in the private list ``_finalizers`` (8.0-9.2).
    """
    fresh = copy.copy(fixturedef)
    fresh.cached_result = None
    fresh.__dict__["_finalizers"] = []
    return fresh


def replace_setupstate(session: pytest.Session, state: SetupState) -> None:
    """Make ``state`` the session's setup state: the runner and ``request`` use
    ``session._setupstate`` (8.0-9.2) to set up and finalize nodes."""
    session._setupstate = state


# -- collection --------------------------------------------------------------------


def collection_cache(session: pytest.Session) -> dict[pytest.Collector, pytest.CollectReport]:
    """The session's collection reports by collector, ``session._collection_cache`` (8.0-9.2).

    pytest's own collection pass reuses a report found there.
    """
    cache: dict[pytest.Collector, pytest.CollectReport] = getattr(session, "_collection_cache", {})
    return cache


def initial_paths(session: pytest.Session) -> frozenset[Path]:
    """The paths the command line named, ``session._initialpaths`` (8.0-9.2)."""
    paths: frozenset[Path] = getattr(session, "_initialpaths", frozenset())
    return paths


def new_metafunc(
    module: pytest.Module, name: str, func: Any
) -> tuple[pytest.Item, pytest.Metafunc]:
    """A ``FunctionDefinition`` of ``func`` under ``module``, and a ``Metafunc`` for it.

    As pytest's ``Module._genfunctions`` builds them (8.0-9.2; both private to construct).
    """
    definition = FunctionDefinition.from_parent(module, name=name, callobj=func)
    metafunc = pytest.Metafunc(
        definition, definition._fixtureinfo, module.config, module=module.obj, _ispytest=True
    )
    return definition, metafunc


def parametrize(metafunc: pytest.Metafunc, mark: pytest.Mark) -> None:
    """Apply one ``parametrize`` mark as pytest's collection does (passing ``_param_mark``,
    which keeps ``pytest.param(marks=...)`` and the mark's ids; 8.0-9.2)."""
    metafunc.parametrize(*mark.args, **mark.kwargs, _param_mark=mark)


def callspecs(metafunc: pytest.Metafunc) -> list[Any]:
    """The callspecs the marks produced, ``metafunc._calls`` (8.0-9.2)."""
    return list(metafunc._calls)


def callspec_ids(spec: Any) -> list[str]:
    """One id per ``parametrize`` mark of a callspec: its ``_idlist`` (8.0-9.2)."""
    return list(spec._idlist)


class TracebackFallback(pytest.Function):
    """A Function whose failure traceback is cut by :meth:`fallback_traceback` where pytest's
    cut fails (a callable without code: pytest's private ``_traceback_filter``, 8.0-9.2,
    raises ``TypeError`` then)."""

    def _traceback_filter(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Traceback:
        try:
            return super()._traceback_filter(excinfo)
        except TypeError:
            return self.fallback_traceback(excinfo)

    def fallback_traceback(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Traceback:
        """The traceback to show when pytest cannot cut it at the item's function."""
        return excinfo.traceback


# -- running and reporting -------------------------------------------------------


def item_located_skip(reason: str) -> Skipped:
    """A skip reported at the item's own line, not where it was raised.

    ``Skipped(..., _use_item_location=True)``, as ``skip`` marks make it (8.0-9.2).
    """
    return Skipped(reason, _use_item_location=True)


def call_info(
    excinfo: pytest.ExceptionInfo[BaseException] | None,
    start: float,
    duration: float,
    when: Any,
) -> pytest.CallInfo[None]:
    """A ``CallInfo`` of a phase run elsewhere (its constructor is private; 8.0-9.2)."""
    return pytest.CallInfo(None, excinfo, start, start + duration, duration, when, _ispytest=True)


def ini_was_set(config: pytest.Config, name: str) -> bool:
    """Whether the ini file or ``-o`` sets ``name`` (not just its default).

    ``config._inicfg`` holds the file's keys; pytest 9.2 also merges ``-o`` into it,
    older versions keep ``-o`` only in ``config.option.override_ini``.
    """
    overrides = getattr(config.option, "override_ini", None) or []
    return name in getattr(config, "_inicfg", {}) or any(
        o.partition("=")[0].strip() == name for o in overrides
    )


def junit_xml(config: pytest.Config) -> Any:
    """The ``--junitxml`` writer (``LogXML``, under ``xml_key`` in the stash; 8.0-9.2), or None.

    Its ``logging`` and ``log_passing_tests`` attributes mirror the ini keys.
    """
    from _pytest.junitxml import xml_key

    return config.stash.get(xml_key, None)


def junit_append(logxml: Any, report: pytest.TestReport, element: Any) -> None:
    """Add ``element`` to the ``<testcase>`` of ``report`` in the ``--junitxml`` file
    (``LogXML.node_reporter(report).append``; 8.0-9.2)."""
    logxml.node_reporter(report).append(element)


def junit_xml_path(logxml: Any) -> Path:
    """The file a ``LogXML`` writes: its ``logfile``, absolute and normalised (8.0-9.2)."""
    return Path(logxml.logfile)


def add_rewrite_patterns(config: pytest.Config, patterns: list[str]) -> None:
    """Rewrite asserts in files matching ``patterns`` too: the assertion rewriting hook's
    ``fnpats`` list (set from ``python_files``; 8.0-9.2). Nothing without the hook."""
    hook = config.pluginmanager.rewrite_hook
    if hasattr(hook, "fnpats"):
        hook.fnpats = [*getattr(hook, "fnpats", []), *patterns]


#: a ``pytest_report_teststatus`` verbose word: plain, or with its terminal markup
VerboseWord = str | tuple[str, dict[str, bool]]

# pytest 8.3 writes a (word, markup) verbose word in the short summary as the word;
# 8.0-8.2 write the tuple itself there (``('FAILED (2 attempts)', {'red': True})``)
_MARKUP_IN_SUMMARY = pytest.version_tuple[:2] >= (8, 3)


def verbose_word(word: str, **markup: bool) -> VerboseWord:
    """``word`` with its colour for ``pytest_report_teststatus``; the plain word before 8.3."""
    return (word, markup) if _MARKUP_IN_SUMMARY else word


def terminal_width(reporter: pytest.TerminalReporter) -> int:
    """The terminal's width: the reporter's private writer ``_tw`` (8.0-9.2)."""
    width: int = reporter._tw.fullwidth
    return width


def terminal_column(reporter: pytest.TerminalReporter) -> int:
    """Where pytest's cursor is on its current line (-1 if unknown): ``_tw`` (8.0-9.2)."""
    column: int = reporter._tw.width_of_current_line
    return column


@contextlib.contextmanager
def writes_announced(
    reporter: pytest.TerminalReporter, before: Callable[[], None], lock: threading.RLock
) -> Iterator[Callable[[str], None]]:
    """``before()`` runs ahead of every write to pytest's terminal; yields a raw writer.

    Every line pytest and other plugins print goes through the writer ``_tw``'s
    ``write``, which is wrapped meanwhile (each call under ``lock``: live logs
    may come from worker threads); the raw writer goes to its ``_file`` (looked
    up on each write: it may be swapped) without moving pytest's idea of the
    current line (8.0-9.2).
    """
    tw = reporter._tw
    original = tw.write

    def write(msg: str, **kwargs: Any) -> None:
        with lock:
            if msg:
                before()
            original(msg, **kwargs)

    def raw(text: str) -> None:
        tw._file.write(text)
        tw._file.flush()

    tw.write = write  # type: ignore[method-assign]
    try:
        yield raw
    finally:
        if vars(tw).get("write") is write:
            del tw.write


@contextlib.contextmanager
def terminal_file(reporter: pytest.TerminalReporter, wrap: Callable[[Any], Any]) -> Iterator[None]:
    """The reporter's writer ``_tw`` writes to ``wrap(its file)`` meanwhile (``_file``, 8.0-9.2).

    Its width is fixed first: with fd 1 on a pipe, pytest would measure 80 columns.
    """
    tw = reporter._tw
    saved_file, saved_width = tw._file, tw._terminal_width
    tw.fullwidth = tw.fullwidth
    tw._file = wrap(saved_file)
    try:
        yield
    finally:
        tw._file, tw._terminal_width = saved_file, saved_width
