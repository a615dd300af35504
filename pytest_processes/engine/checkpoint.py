"""Checkpoints: resume a run from the point of failure.

A checkpoint is a directory. Each task's result is appended to its journal the
moment the task succeeds (on the scheduler's thread, one ``write``: see
:mod:`.journal`), so even a run killed with SIGKILL leaves every finished result
behind. The next run with the same checkpoint restores what it can and runs the rest::

    PATH/checkpoint.json   {"format": 2}: anything else is a warning and a full run;
                           "complete": true once a run succeeded whole (until the next begins)
    PATH/durations.json    task name -> seconds of its last successful run
    PATH/results.log       one pickled record per succeeded task, appended (a task's last counts)

A task is *restored* (not called; its stored result is passed on) when its
record exists, its :func:`fingerprint` is unchanged, and every dependency was
restored too, from the very record the stored result was computed from (each
record carries a random token, and the tokens of its dependencies' records).
So a task that changed, failed, was skipped or never ran runs again, and so
does everything downstream of it. A ``no_failures`` task is restored only when
every other task is. A run in which every task succeeded clears the stored
results (``clear_on_success``), so the next run starts afresh, as flowmancer's
restart does; the durations are kept for critical-path scheduling. The next run
knows it (:attr:`Checkpoint.last_run_complete`): nothing to resume, not a lost checkpoint.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import json
import os
import pickle
import shutil
import types
import uuid
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..model.spec import TaskSpec
from ..model.task_types import RESTORED_REASON
from . import journal

__all__ = ["RESTORED_REASON", "Checkpoint", "CheckpointWarning", "fingerprint"]

FORMAT = 2

#: a journal is rewritten when a run begins if it holds more than this many superseded
#: records, or more bytes of superseded records than of the ones that count
COMPACT_AFTER = 64


class CheckpointWarning(UserWarning):
    """A checkpoint could not be read or written; the run goes on and the tasks concerned run."""


def _code_text(code: types.CodeType) -> str:
    """Bytecode, names and constants (nested code objects included, without addresses)."""
    consts = [_code_text(c) if isinstance(c, types.CodeType) else repr(c) for c in code.co_consts]
    return f"{code.co_code.hex()}|{code.co_names!r}|{'|'.join(consts)}"


def code_identity(func: Any) -> str:
    """The part of a callable's fingerprint that stands for its code.

    The source text (``inspect.getsource``) of the function, of a decorated
    function's ``__wrapped__``, of a callable object's class; without source
    (built in ``exec``, a frozen app), the code object's bytecode, names and
    constants; for a builtin, its qualified name. ``functools.partial``
    arguments are included.
    """
    parts: list[str] = []
    while isinstance(func, functools.partial):
        parts.append(f"partial{func.args!r}{sorted(func.keywords.items())!r}")
        func = func.func
    with contextlib.suppress(ValueError):  # a __wrapped__ cycle
        func = inspect.unwrap(func)
    target = func if inspect.isroutine(func) or isinstance(func, type) else type(func)
    try:
        parts.append(inspect.getsource(target))
    except (OSError, TypeError):
        code = getattr(target, "__code__", None)
        if isinstance(code, types.CodeType):
            parts.append(_code_text(code))
        else:
            parts.append(
                f"{getattr(target, '__module__', '')}.{getattr(target, '__qualname__', '')}"
            )
    return "\n".join(parts)


def fingerprint(task: TaskSpec, codes: dict[int, str] | None = None) -> str:
    """A hash of what makes a task's stored result reusable.

    It covers the task's code (:func:`code_identity`), the ``repr`` of its
    static ``args`` and ``kwargs``, and its dependencies (names, and how each
    result is passed). It does not cover what the code reads at run time
    (files, globals, other modules' code) nor an argument's state beyond its
    ``repr``: an argument whose ``repr`` shows a memory address makes the task
    run every time. ``codes`` caches code identities by ``id(func)``.
    """
    func = task.func
    if codes is None:
        code = code_identity(func)
    else:
        code = codes.get(id(func)) or codes.setdefault(id(func), code_identity(func))
    deps = [
        (
            d.task_name,
            d.use_result_as_additional_args,
            d.use_result_as_additional_kwargs,
            d.additional_kwarg_name,
            getattr(d, "fan_in_key", ""),
            getattr(d, "pass_result", False),
        )
        for d in task.dependencies
    ]
    text = f"{code}\0{task.args!r}\0{sorted(task.kwargs.items())!r}\0{deps!r}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _safe_fingerprint(task: TaskSpec, codes: dict[int, str]) -> str:
    """:func:`fingerprint`, or a one-off value (the task always runs) if it cannot be made."""
    try:
        return fingerprint(task, codes)
    except Exception:  # e.g. an argument whose __repr__ raises
        return f"unfingerprintable-{uuid.uuid4().hex}"


def _token(tokens: list[str | None], j: int | None) -> str | None:
    return None if j is None else tokens[j]


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, whole."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


class Checkpoint:
    """Stores each succeeded task's result under ``path`` and restores it next time.

    The scheduler calls :meth:`begin` once (which tasks to restore),
    :meth:`store` as each task succeeds and :meth:`finish` at the end.
    Problems never stop a run: they become a :class:`CheckpointWarning` (also
    kept in :attr:`problems`) and the tasks concerned simply run.
    """

    def __init__(self, path: str | os.PathLike[str], *, clear_on_success: bool = True) -> None:
        self.path = Path(path)
        self.clear_on_success = clear_on_success
        #: task name -> expected seconds, from earlier runs (for critical-path scheduling)
        self.durations: dict[str, float] = {}
        #: indices of the tasks :meth:`begin` restored
        self.restored: set[int] = set()
        #: the warning messages of this run
        self.problems: list[str] = []
        #: set by :meth:`begin`: the previous run succeeded whole, so nothing was left to restore
        self.last_run_complete = False
        self._enabled = False
        self._tasks: Sequence[TaskSpec] = ()
        self._fingerprints: list[str] = []
        self._tokens: list[str | None] = []
        self._index: dict[str, int] = {}
        self._ran: dict[str, float] = {}
        self._unstored: list[str] = []
        self._journal = journal.Journal(self.journal_path)
        self._run_token = ""
        with contextlib.suppress(OSError, ValueError):  # problems are reported by begin()
            self._read_durations(quiet=True)

    @property
    def journal_path(self) -> Path:
        """The file the records are appended to (removed by a complete run)."""
        return self.path / "results.log"

    def _warn(self, message: str) -> None:
        self.problems.append(message)
        warnings.warn(message, CheckpointWarning, stacklevel=4)

    # -- reading ---------------------------------------------------------------

    def begin(self, tasks: Sequence[TaskSpec]) -> dict[int, Any]:
        """Prepare a run of ``tasks`` (topological order): index -> result of each restored task."""
        self._tasks = tasks
        self._index = {t.name: i for i, t in enumerate(tasks)}
        self._tokens = [None] * len(tasks)
        self._ran, self._unstored, self.problems = {}, [], []
        self._run_token = uuid.uuid4().hex
        self.restored = set()
        self.last_run_complete = False
        codes: dict[int, str] = {}
        self._fingerprints = [_safe_fingerprint(t, codes) for t in tasks]
        self._enabled = self._open()
        if not self._enabled:
            return {}
        records = self._read_records()
        try:
            self._journal.open()
        except OSError as exc:
            self._warn(f"checkpoint {self.path} cannot be written ({exc}): results are not stored")
            self._enabled = False
        restored = self._resolve(records, set())
        others = [i for i, t in enumerate(tasks) if t.trigger != "no_failures"]
        gated = {i for i, t in enumerate(tasks) if t.trigger == "no_failures"}
        if gated & restored.keys() and not all(i in restored for i in others):
            restored = self._resolve(records, gated)  # no_failures waits for the whole run
        self.restored = set(restored)
        return restored

    def _open(self) -> bool:
        """Make sure the directory is a usable checkpoint (a full run if it was not)."""
        where = self.path
        if where.exists() and not where.is_dir():
            self._warn(f"checkpoint {where} is not a directory: results are not stored")
            return False
        meta = where / "checkpoint.json"
        try:
            where.mkdir(parents=True, exist_ok=True)
            if meta.exists():
                try:
                    data = json.loads(meta.read_text("utf-8"))
                    fmt, complete = data.get("format"), data.get("complete") is True
                except (ValueError, AttributeError) as exc:
                    fmt, complete = f"unreadable ({exc})", False
                if fmt == FORMAT and complete:  # this run is not complete until it says so
                    self.last_run_complete = True
                    _atomic_write(meta, json.dumps({"format": FORMAT}).encode())
                if fmt != FORMAT:
                    self._warn(
                        f"checkpoint {where} is corrupt or incompatible (format {fmt}, "
                        f"expected {FORMAT}): starting a full run"
                    )
                    self._reset()
            elif self.journal_path.exists() and self.journal_path.stat().st_size:
                self._warn(f"checkpoint {where} has results but no checkpoint.json: full run")
                self._reset()
            else:
                _atomic_write(meta, json.dumps({"format": FORMAT}).encode())
        except OSError as exc:
            self._warn(f"checkpoint {where} cannot be used ({exc}): results are not stored")
            return False
        self._read_durations()
        return True

    def discard(self) -> None:
        """Forget the stored results: the next run restores nothing (durations are kept).

        An existing directory is marked with the current format, so results of an
        earlier format are not a warning for a run that was not going to read them.
        """
        shutil.rmtree(self.path / "results", ignore_errors=True)  # format 1: a file per task
        with contextlib.suppress(OSError):  # begin() reports a directory it cannot use
            self.journal_path.unlink(missing_ok=True)
            if self.path.is_dir():
                _atomic_write(
                    self.path / "checkpoint.json", json.dumps({"format": FORMAT}).encode()
                )

    def _reset(self) -> None:
        self.discard()
        (self.path / "durations.json").unlink(missing_ok=True)

    def _read_durations(self, *, quiet: bool = False) -> None:
        path = self.path / "durations.json"
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            if quiet:
                return
            self._warn(f"checkpoint {self.path}: durations.json is unreadable ({exc}); ignored")
            return
        if isinstance(data, dict):
            self.durations = {
                str(k): float(v)
                for k, v in data.items()
                if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0
            }

    def _read_records(self) -> dict[int, dict[str, Any]]:
        """Every readable record whose task is unchanged; unreadable ones are one warning."""
        try:
            contents = self._stored()
        except OSError as exc:
            self._warn(f"checkpoint {self.path}: its results cannot be read ({exc}); full run")
            return {}
        records: dict[int, dict[str, Any]] = {}
        bad: list[str] = []
        first = ""
        for i, task in enumerate(self._tasks):
            data = contents.get(task.name)
            if data is None:
                continue
            try:
                record = pickle.loads(data)
                if not isinstance(record, dict) or record.get("format") != FORMAT:
                    raise ValueError("not a checkpoint record")
                if record["name"] != task.name:
                    raise ValueError(f"record of {record['name']!r}")
            except Exception as exc:  # unpickling runs arbitrary code: anything can fail
                bad.append(task.name)
                first = first or f"{type(exc).__name__}: {exc}"
                continue
            if record["fingerprint"] == self._fingerprints[i]:
                records[i] = record
        if bad:
            names = ", ".join(f"'{n}'" for n in bad[:10]) + (" ..." if len(bad) > 10 else "")
            self._warn(
                f"checkpoint {self.path}: the stored results of {len(bad)} task(s) cannot be "
                f"read ({first}); they run again: {names}"
            )
        return records

    def _stored(self) -> dict[str, bytes]:
        """The journal's last record of each task, the file mended and compacted if need be."""
        path = self.journal_path
        contents = journal.read(path)
        if contents.size > contents.end:
            journal.mend(path, contents)
            self._warn(
                f"checkpoint {self.path}: the last stored result was cut short (the run was "
                "killed while writing it); that task runs again"
            )
        live = sum(map(len, contents.records.values()))
        superseded = contents.frames - len(contents.records)
        if superseded > COMPACT_AFTER or (superseded and contents.end > 2 * live):
            journal.rewrite(path, contents.records)  # superseded records of earlier runs go
        return contents.records

    def _resolve(self, records: dict[int, dict[str, Any]], exclude: set[int]) -> dict[int, Any]:
        """Which records can be used, in one topological pass (see the module docstring)."""
        tokens = self._tokens
        for i in range(len(tokens)):
            tokens[i] = None
        restored: dict[int, Any] = {}
        index = self._index
        for i, task in enumerate(self._tasks):
            record = records.get(i)
            if record is None or i in exclude:
                continue
            deps = record["deps"]
            if len(deps) != len(task.dependencies):
                continue
            for dep in task.dependencies:
                j = index.get(dep.task_name)
                if j is None or j >= i or tokens[j] is None or deps.get(dep.task_name) != tokens[j]:
                    break
            else:
                tokens[i] = record["token"]
                restored[i] = record["result"]
        return restored

    # -- writing ---------------------------------------------------------------

    def store(self, i: int, value: Any, elapsed: float) -> None:
        """Task ``i`` succeeded with ``value``: write its record (a warning if it cannot be).

        Tasks created during the run are not stored: their creator runs again on resume.
        """
        if not self._enabled or i >= len(self._fingerprints):
            return
        task = self._tasks[i]
        self._ran[task.name] = elapsed
        tokens, index = self._tokens, self._index
        token = f"{self._run_token}-{i}"  # unique: a random one per run, the task's index in it
        record = {
            "format": FORMAT,
            "name": task.name,
            "fingerprint": self._fingerprints[i],
            "token": token,
            "deps": {
                d.task_name: _token(tokens, index.get(d.task_name)) for d in task.dependencies
            },
            "result": value,
            "elapsed": elapsed,
        }
        try:
            data = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
            self._append(task.name, data)
        except Exception as exc:  # not picklable (TypeError, PicklingError...), disk full
            self._unstored.append(f"'{task.name}' ({type(exc).__name__}: {exc})")
            return
        tokens[i] = token

    def _append(self, name: str, data: bytes) -> None:
        """Append a record; after a failed write (disk full) nothing more is appended."""
        try:
            self._journal.append(name, data)
        except OSError:
            self._journal.close()  # a partial record ends the journal: what follows would be lost
            raise

    def close(self) -> None:
        """Stop storing results (idempotent): the run ended, however it ended."""
        self._journal.close()

    def finish(self, *, complete: bool) -> None:
        """The run is over: keep the durations; clear the results if ``complete`` (all succeeded).

        Results that could not be stored are reported here, as one warning,
        rather than in the middle of the run (a warnings filter set to
        ``error`` must not break the scheduler's loop).
        """
        if not self._enabled:
            return
        self._journal.close()
        durations = {**self.durations, **self._ran}
        self.durations = durations
        problem = ""
        try:
            _atomic_write(
                self.path / "durations.json", json.dumps(durations, sort_keys=True).encode()
            )
            if complete and self.clear_on_success:
                self.journal_path.unlink(missing_ok=True)
                meta = {"format": FORMAT, "complete": True}
                _atomic_write(self.path / "checkpoint.json", json.dumps(meta).encode())
        except OSError as exc:
            problem = f"checkpoint {self.path}: cannot write durations ({exc})"
        if self._unstored:
            self._warn(
                "checkpoint: the result of task(s) "
                + ", ".join(self._unstored)
                + " cannot be stored (not picklable?); they will run again next time"
            )
        if problem:
            self._warn(problem)
