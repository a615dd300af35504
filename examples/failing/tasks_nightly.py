"""A nightly job with a failing branch: what fails, what is skipped, what still runs.

``pytest --processes examples/failing -rs`` shows ``fetch_rates`` failing after its
retry, ``convert_prices`` and ``publish`` skipped because of it, while the
independent ``cleanup_tmp`` branch succeeds.
"""

from __future__ import annotations

import pytest_processes


@pytest_processes.task(retries=1)
def fetch_rates() -> dict[str, float]:
    """Pretend the rates service is down: a ConnectionError is retried, then fails."""
    endpoint = "https://rates.invalid/v1/eur"
    raise ConnectionError(f"cannot reach {endpoint}")


def task_load_prices() -> dict[str, float]:
    return {"A-100": 18.5, "B-200": 129.0}


def task_convert_prices(fetch_rates: dict[str, float], load_prices: dict[str, float]) -> dict:
    return {sku: price * fetch_rates["usd"] for sku, price in load_prices.items()}


def task_publish(convert_prices: dict) -> None:
    print(f"publishing {len(convert_prices)} prices")


def task_cleanup_tmp() -> int:
    return 0
