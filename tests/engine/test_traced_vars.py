"""Traced variables: which frame is captured, redaction of secrets, truncation, broken reprs."""

from __future__ import annotations

import importlib.util
import inspect
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pytest_processes import ErrorData, Process, Task


def error_of(func: Callable[..., Any], **task_kwargs: Any) -> ErrorData:
    entry = Process([Task("t", func, **task_kwargs)]).run().entries["t"]
    assert entry.error is not None
    return entry.error


@pytest.fixture
def helper_module(tmp_path: Path) -> ModuleType:
    """A module in another file whose ``fail(x)`` raises ValueError from its own frame."""
    path = tmp_path / "helper_mod.py"
    path.write_text("def fail(x):\n    in_helper = x * 2\n    raise ValueError(in_helper)\n")
    spec = importlib.util.spec_from_file_location("helper_mod", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_innermost_user_frame_by_default(helper_module: ModuleType) -> None:
    def outer() -> None:
        in_outer = 21
        helper_module.fail(in_outer)

    error = error_of(outer)
    assert error.traced_vars == {"x": "21", "in_helper": "42"}
    assert error.traced_vars_location == f"{helper_module.__file__}:3"


def test_library_frames_are_passed_over() -> None:
    def parse() -> Any:
        text = "{broken"
        return json.loads(text)

    error = error_of(parse)
    assert error.traced_vars == {"text": "'{broken'"}
    assert error.traced_vars_location.startswith(__file__ + ":")


def test_location_is_the_raising_line() -> None:
    def boom() -> None:
        raise ValueError("here")

    line = inspect.getsourcelines(boom)[1] + 1
    assert error_of(boom).traced_vars_location == f"{__file__}:{line}"


def test_frame_filter_picks_the_innermost_matching_frame(helper_module: ModuleType) -> None:
    def outer() -> None:
        in_outer = 21
        helper_module.fail(in_outer)

    error = error_of(outer, traced_vars_frame_filter="test_traced_vars")
    assert error.traced_vars == {"helper_module": repr(helper_module), "in_outer": "21"}
    assert error.traced_vars_location.startswith(__file__ + ":")


def test_frame_filter_can_select_a_library_frame() -> None:
    def parse() -> Any:
        return json.loads("{broken")

    error = error_of(parse, traced_vars_frame_filter="json")
    assert "json" in error.traced_vars_location
    assert not error.traced_vars_location.startswith(__file__)


def test_frame_filter_without_a_match_falls_back_to_the_innermost_frame(
    helper_module: ModuleType,
) -> None:
    def outer() -> None:
        helper_module.fail(1)

    error = error_of(outer, traced_vars_frame_filter="no-such-file")
    assert error.traced_vars_location == f"{helper_module.__file__}:3"


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "db_passwd",
        "client_secret",
        "token",
        "api_key",
        "apikey",
        "credentials",
        "PASSWORD",
    ],
)
def test_secret_looking_names_are_redacted(name: str, log_path: Path) -> None:
    namespace: dict[str, Any] = {}
    source = (
        f"def leak():\n    {name} = 'hunter2'\n    ordinary = 'visible'\n    raise ValueError()\n"
    )
    exec(source, namespace)  # a local variable with that exact name
    with Process([Task("t", namespace["leak"], log_path)]) as process:
        report = process.run()
    error = report.entries["t"].error
    assert error is not None
    assert error.traced_vars == {name: "<redacted>", "ordinary": "'visible'"}
    assert "hunter2" not in log_path.read_text()
    assert "hunter2" not in report.to_json()


def test_long_reprs_are_truncated() -> None:
    def big() -> None:
        blob = "x" * 5000
        raise ValueError(len(blob))

    value = error_of(big).traced_vars["blob"]
    assert value.startswith("'xxx")
    assert value.endswith("... <4502 more characters>")
    assert len(value) < 600


class Unreprable:
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


def test_unreprable_values_are_described() -> None:
    def broken() -> None:
        thing = Unreprable()
        raise ValueError(type(thing).__name__)

    error = error_of(broken)
    assert error.traced_vars == {"thing": "<unreprable: RuntimeError: no repr for you>"}
    assert error.exception == "Unreprable"
