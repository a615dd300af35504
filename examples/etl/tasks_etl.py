"""A small ETL job: three CSV extracts, one transform, two loads in parallel, one report.

Run it with ``pytest --processes examples/etl`` (add ``-v`` to see each task, and
``--processes-param as_of=2026-02-15`` to cut the orders at another date).
"""

from __future__ import annotations

import csv
import datetime
import sqlite3
from pathlib import Path

import pytest_processes


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def task_extract_customers(data_dir: Path) -> list[dict[str, str]]:
    return _read(data_dir / "customers.csv")


def task_extract_products(data_dir: Path) -> dict[str, float]:
    return {row["sku"]: float(row["unit_price"]) for row in _read(data_dir / "products.csv")}


def task_extract_orders(
    data_dir: Path, as_of: datetime.date = datetime.date(2026, 2, 28)
) -> list[dict[str, str]]:
    """Orders placed up to ``as_of`` (a run parameter: ``--processes-param as_of=...``)."""
    rows = _read(data_dir / "orders.csv")
    return [r for r in rows if datetime.date.fromisoformat(r["ordered_on"]) <= as_of]


@pytest_processes.task(retries=1)
def task_transform_orders(
    extract_orders: list[dict[str, str]], extract_products: dict[str, float]
) -> list[tuple[int, int, str, int, float, str]]:
    """Price every order line; an unknown SKU fails the task (and skips what needs it)."""
    priced = []
    for row in extract_orders:
        quantity = int(row["quantity"])
        amount = round(quantity * extract_products[row["sku"]], 2)
        priced.append(
            (
                int(row["order_id"]),
                int(row["customer_id"]),
                row["sku"],
                quantity,
                amount,
                row["ordered_on"],
            )
        )
    return priced


def task_load_customers(extract_customers: list[dict[str, str]], warehouse: Path) -> int:
    with sqlite3.connect(warehouse, timeout=10) as db:
        db.executemany(
            "INSERT INTO customers VALUES (:customer_id, :name, :country)", extract_customers
        )
    return len(extract_customers)


def task_load_orders(
    transform_orders: list[tuple[int, int, str, int, float, str]], warehouse: Path
) -> int:
    with sqlite3.connect(warehouse, timeout=10) as db:
        db.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?)", transform_orders)
    return len(transform_orders)


def task_revenue_report(load_customers: int, load_orders: int, warehouse: Path) -> dict[str, float]:
    """Revenue per customer, printed (see it with -s, or in the JSON/HTML report)."""
    with sqlite3.connect(warehouse) as db:
        rows = db.execute(
            "SELECT c.name, ROUND(SUM(o.amount), 2) FROM orders o "
            "JOIN customers c USING (customer_id) GROUP BY c.name ORDER BY 2 DESC"
        ).fetchall()
    for name, total in rows:
        print(f"{name:<14} {total:>9.2f}")
    assert load_orders > 0, "no orders were loaded"
    return dict(rows)
