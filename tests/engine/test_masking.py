"""Masking by value: the masker itself, and every writer of the library API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from pytest_processes import Process, Task
from pytest_processes.engine.masking import (
    SecretMasker,
    current_masker,
    environ_secrets,
    use_masker,
)
from pytest_processes.execution_report import ProcessExecutionReport

DB_PASSWORD = "s3cret/p@ss word"


def test_value_and_its_url_encoded_forms_are_masked() -> None:
    masker = SecretMasker([DB_PASSWORD])
    encoded = (quote(DB_PASSWORD), quote(DB_PASSWORD, safe=""), quote_plus(DB_PASSWORD))
    for form in (DB_PASSWORD, *encoded):
        assert masker.mask(f"postgres://u:{form}@db") == "postgres://u:<redacted>@db"


def test_the_longest_value_wins_where_values_overlap() -> None:
    masker = SecretMasker(["abcdef", "abcdefghij"])
    assert masker.mask("x abcdefghij y abcdef") == "x <redacted> y <redacted>"


def test_short_values_are_masked_only_as_whole_strings() -> None:
    masker = SecretMasker(["ab12"])
    assert masker.mask("ab12") == "<redacted>"
    assert masker.mask("grab123") == "grab123"  # as a substring: too many false hits
    assert masker.mask_data({"pin": "ab12", "note": "ab12 was used"}) == {
        "pin": "<redacted>",
        "note": "ab12 was used",
    }


def test_data_is_masked_deeply_and_other_objects_by_repr() -> None:
    class Conn:
        def __repr__(self) -> str:
            return f"Conn(password={DB_PASSWORD!r})"

    masker = SecretMasker([DB_PASSWORD])
    data = {"dsn": [f"x{DB_PASSWORD}"], "n": 3, "conn": Conn()}
    assert masker.mask_data(data) == {
        "dsn": ["x<redacted>"],
        "n": 3,
        "conn": "Conn(password='<redacted>')",
    }
    assert repr(masker) == "SecretMasker(<1 values>)"


def test_environment_names_defaults_and_globs() -> None:
    env = {
        "DEPLOY_TOKEN": "t-123456",
        "API_KEY": "k-123456",
        "ACME_CRED": "a-123456",
        "HOME": "/root",
        "PYTEST_PROCESSES_WEBHOOK_SECRET": "w-123456",
    }
    assert environ_secrets(environ=env) == ["k-123456", "t-123456", "w-123456"]
    assert environ_secrets(["ACME_*"], defaults=False, environ=env) == ["a-123456", "w-123456"]


def test_an_empty_masker_leaves_the_report_itself() -> None:
    report = ProcessExecutionReport(process_name="p")
    assert report.masked(SecretMasker()) is report


def leaky(secret: str) -> str:
    dsn = "smtp://bot:" + quote(secret) + "@mail"
    print("connecting with", secret)
    raise ConnectionError(f"refused {dsn}")


@pytest.fixture
def masked_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A secret in a default-named variable; no masker left over from another test."""
    monkeypatch.setenv("ETL_DB_PASSWORD", DB_PASSWORD)
    previous = use_masker(None)
    yield
    use_masker(previous)


@pytest.mark.usefixtures("masked_env")
def test_library_writers_mask_environment_secrets(tmp_path: Path) -> None:
    log = tmp_path / "task.log"
    tasks = [
        Task("leak", leaky, str(log), args=(DB_PASSWORD,)),
        Task("keep", lambda: {"password": DB_PASSWORD}),
    ]
    with Process(tasks, name="etl") as process:
        report = process.run(capture=True)
    assert report.entries["leak"].error is not None  # the report in memory is untouched
    assert DB_PASSWORD in report.entries["leak"].output
    outputs = {
        "json": report.to_json(),
        "junit": report.to_junit_xml(),
        "html": report.to_html(),
        "logfile": log.read_text(),
    }
    for where, text in outputs.items():
        for form in (DB_PASSWORD, quote(DB_PASSWORD), quote(DB_PASSWORD, safe="")):
            assert form not in text and form.replace("&", "&amp;") not in text, where
    data = json.loads(outputs["json"])
    assert data["entries"]["leak"]["error"]["traced_vars"]["dsn"] == "'smtp://bot:<redacted>@mail'"
    assert data["entries"]["leak"]["args"] == ["<redacted>"]
    assert data["entries"]["keep"]["result"] == {"password": "<redacted>"}


def test_use_masker_replaces_the_environment_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ETL_DB_PASSWORD", DB_PASSWORD)
    mine = SecretMasker(["only-this-one"])
    previous = use_masker(mine)
    try:
        assert current_masker() is mine
    finally:
        use_masker(previous)
    assert current_masker().mask(DB_PASSWORD) == "<redacted>"
