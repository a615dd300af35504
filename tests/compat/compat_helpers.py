"""Shared by the compatibility tests (a module of its own: ``conftest`` is not importable)."""

from __future__ import annotations

import importlib.util

import pytest


def requires(
    module: str, project: str, how: str = "pip install -e '.[compat]'"
) -> pytest.MarkDecorator:
    """Skip unless the plugin ``project`` (imported as ``module``) is installed."""
    return pytest.mark.skipif(
        importlib.util.find_spec(module) is None, reason=f"{project} is not installed ({how})"
    )


def run_tasks(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """``pytest --processes *args`` in a subprocess, with every installed plugin loaded."""
    return pytester.runpytest_subprocess("--processes", "-p", "no:cacheprovider", *args)
