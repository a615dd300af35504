"""Fixtures for the ETL job: where the CSV files are, and the SQLite warehouse they go into."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

SCHEMA = """
CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, name TEXT, country TEXT);
CREATE TABLE orders (
    order_id INTEGER PRIMARY KEY, customer_id INTEGER, sku TEXT,
    quantity INTEGER, amount REAL, ordered_on TEXT
);
"""


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The bundled CSV files."""
    return Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh SQLite database with the warehouse schema, shared by every task of the run."""
    path = tmp_path_factory.mktemp("warehouse") / "warehouse.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
    yield path
