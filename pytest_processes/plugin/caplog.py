"""``caplog`` in tasks: each task sees its own log records, as a test does.

pytest's logging plugin gives each test a capture handler in the item's stash
(``caplog_handler_key``, ``caplog_records_key``) around its setup, call and
teardown hooks, which tasks do not go through. Here each task that uses
``caplog`` gets its own handler in the same stash keys, and one root handler
for the run routes a record to the handler of the task running on the thread
that logged it: tasks logging at the same moment do not see each other's
records. Fixture setup and teardown (on pytest's main thread) count as the
task's ``setup`` and ``teardown`` records.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from .compat import (
    LogCaptureHandler,
    LoggingPlugin,
    caplog_handler_key,
    caplog_records_key,
    catching_logs,
)

__all__ = ["TaskLogs", "uses_caplog"]

_current = threading.local()

#: executors whose tasks log in this process, where the run's root handler sees them
_IN_PROCESS = ("thread", "inline")


def uses_caplog(item: pytest.Item) -> bool:
    """The task asks for ``caplog``, directly or through one of its fixtures."""
    return "caplog" in getattr(item, "fixturenames", ())


class _Router(logging.Handler):
    """The run's root handler: a record goes to the caplog handler current on its thread."""

    def emit(self, record: logging.LogRecord) -> None:
        target: LogCaptureHandler | None = getattr(_current, "handler", None)
        if target is not None and record.levelno >= target.level:
            target.handle(record)


@contextlib.contextmanager
def _on_this_thread(handler: LogCaptureHandler) -> Iterator[None]:
    _current.handler = handler
    try:
        yield
    finally:
        _current.handler = None


async def _awaited(awaitable: Any, handler: LogCaptureHandler) -> Any:
    """An async task's body, awaited with its handler current (on the worker's event loop)."""
    with _on_this_thread(handler):
        return await awaitable


class _OnTaskThread:
    """A task function that, each attempt, makes its task's caplog handler current."""

    def __init__(self, func: Any, item: pytest.Item) -> None:
        functools.update_wrapper(self, func)
        self.func = func
        self.item = item

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        handler = self.item.stash[caplog_handler_key]
        handler.reset()  # a retried task sees the records of this attempt, like a fresh test
        self.item.stash[caplog_records_key]["call"] = handler.records
        with _on_this_thread(handler):
            result = self.func(*args, **kwargs)
        if result is not None and hasattr(type(result), "__await__"):
            return _awaited(result, handler)
        return result


class TaskLogs:
    """The ``caplog`` plumbing of one ``--processes`` run."""

    def __init__(self, config: pytest.Config) -> None:
        plugin = config.pluginmanager.get_plugin("logging-plugin")
        self.plugin: LoggingPlugin | None = plugin if isinstance(plugin, LoggingPlugin) else None

    @contextlib.contextmanager
    def routing(self) -> Iterator[None]:
        """Install the root handler for the run (at the ``log_level`` ini/option, if set)."""
        level = self.plugin.log_level if self.plugin is not None else None
        router = _Router()
        with catching_logs(router, level=level):
            router.setLevel(logging.NOTSET)  # each task's handler has the level, for set_level
            yield

    def wrap(self, func: Any, item: pytest.Item) -> Any:
        """``func`` made to log into ``item``'s caplog handler."""
        return _OnTaskThread(func, item)

    @contextlib.contextmanager
    def setup(self, item: pytest.Item, executor: str) -> Iterator[None]:
        """Around fixture setup: give ``item`` its handler; its records are ``setup``'s."""
        if executor not in _IN_PROCESS:
            raise RuntimeError(
                f"task '{item.name}' uses caplog, which sees the log records of tasks run by "
                f"the thread executor only; this task runs on the {executor!r} executor"
            )
        handler = LogCaptureHandler()
        if self.plugin is not None:
            handler.setFormatter(self.plugin.formatter)
            if self.plugin.log_level is not None:
                handler.setLevel(self.plugin.log_level)
        item.stash[caplog_handler_key] = handler
        item.stash[caplog_records_key] = {"setup": handler.records}
        with _on_this_thread(handler):
            yield

    @contextlib.contextmanager
    def teardown(self, item: pytest.Item) -> Iterator[None]:
        """Around fixture teardown: its records are ``teardown``'s; the stash is cleared after."""
        handler = item.stash.get(caplog_handler_key, None)
        if handler is None:
            yield
            return
        handler.reset()
        item.stash[caplog_records_key]["teardown"] = handler.records
        try:
            with _on_this_thread(handler):
                yield
        finally:
            del item.stash[caplog_handler_key]
            del item.stash[caplog_records_key]
