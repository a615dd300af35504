"""Task files the command line did not name, collected for the upstream tasks they define.

``pytest --processes tasks_b.py::load`` collects ``tasks_b.py`` only, but ``load``
may need a task of ``tasks_a.py``. So every run also collects the other task
files of the project (those a bare ``pytest --processes`` would collect: under
ini ``testpaths``, else the rootdir) through pytest's own directory collectors,
so ``norecursedirs``, ``--ignore`` and ``--ignore-glob`` apply and conftests load
as usual. Their tasks join the graph, never the selection: they run only as
support of a selected task.
"""

from __future__ import annotations

import fnmatch
import glob
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .collect import TasksModule
from .compat import collection_cache, initial_paths
from .jobfiles import JobFile

__all__ = ["SupportFile", "collect_support_files", "task_roots"]

#: a task file (or a directory on the way to one) outside the selection, and its
#: collection report: failed if it did not import
SupportFile = tuple[pytest.Collector, pytest.CollectReport]


def task_roots(config: pytest.Config) -> list[Path]:
    """Where the project's task files live: the ``testpaths`` ini globs, else the rootdir."""
    root = config.rootpath
    roots = [
        (root / match).resolve()
        for pattern in config.getini("testpaths")
        for match in sorted(glob.glob(pattern, root_dir=root, recursive=True))
    ]
    return roots or [root]


def _task_files(config: pytest.Config, roots: list[Path]) -> set[Path]:
    """Files under ``roots`` named like task files (a quick filter; collectors decide)."""
    patterns = config.getini("processes_files")
    skip = config.getini("norecursedirs")
    found: set[Path] = set()
    for root in roots:
        if root.is_file():
            found.add(root)
            continue
        for top, dirs, files in os.walk(root):
            dirs[:] = [
                d
                for d in dirs
                if not any(fnmatch.fnmatch(d, p) for p in skip)
                and not os.path.exists(os.path.join(top, d, "pyvenv.cfg"))  # a virtualenv
            ]
            found.update(
                Path(top, f) for f in files if any(fnmatch.fnmatch(f, p) for p in patterns)
            )
    return found


def _report(session: pytest.Session, node: pytest.Collector) -> pytest.CollectReport:
    """The node's collection report, made once (pytest's cache is shared with its own pass).

    Made without ``pytest_collectreport``, so the terminal's "collected N items"
    counts the selection only, and without ``--pdb`` interaction on a failure.
    """
    cache = collection_cache(session)
    rep = cache.get(node)
    if rep is None:
        node.ihook.pytest_collectstart(collector=node)
        rep = node.ihook.pytest_make_collect_report(collector=node)
        rep.__dict__.pop("call", None)
        cache[node] = rep
    return rep


def _walk(
    session: pytest.Session, node: pytest.Collector, wanted: set[Path], dirs: set[Path]
) -> Iterator[SupportFile]:
    """Collect the ``wanted`` task files below ``node``, entering only ``dirs``."""
    rep = _report(session, node)
    if not rep.passed:  # e.g. a conftest.py that fails to import
        yield node, rep
        return
    for child in rep.result:
        if isinstance(child, (TasksModule, JobFile)) and child.path in wanted:
            wanted.discard(child.path)  # one node per file, even under two roots
            yield child, _report(session, child)
        elif isinstance(child, pytest.Directory) and child.path in dirs:
            yield from _walk(session, child, wanted, dirs)


def collect_support_files(session: pytest.Session) -> list[SupportFile]:
    """Collect the project's task files that the command line left out.

    Directory nodes pytest already made for the command line's arguments are
    reused, so a task keeps one chain of collectors (and of fixtures); only
    directories holding such a file are entered (their conftests load).
    """
    cache = collection_cache(session)
    roots = task_roots(session.config)
    args = initial_paths(session)
    if all(root in args or any(a in root.parents for a in args if a.is_dir()) for root in roots):
        return []  # the command line already covers every root: nothing is left out
    given = {node.path for node in cache if isinstance(node, (TasksModule, JobFile))}
    wanted = _task_files(session.config, roots) - given
    if not wanted:
        return []
    dirs = {parent for path in wanted for parent in path.parents}
    tops = dict.fromkeys(_top_directory(session, cache, root) for root in roots)
    return [found for top in tops if top is not None for found in _walk(session, top, wanted, dirs)]


def _top_directory(
    session: pytest.Session, cache: dict[pytest.Collector, pytest.CollectReport], root: Path
) -> pytest.Directory | None:
    """The outermost directory node already collected on the way to ``root``, else a new one."""
    known = [
        node
        for node in cache
        if isinstance(node, pytest.Directory) and (node.path == root or node.path in root.parents)
    ]
    if known:
        return min(known, key=lambda node: len(node.path.parts))
    if not root.is_dir():
        return None
    ihook = session.gethookproxy(root.parent)
    node: pytest.Directory | None = ihook.pytest_collect_directory(path=root, parent=session)
    return node
