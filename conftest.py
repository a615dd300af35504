"""Root conftest: pytester for the plugin's end-to-end tests, and the JUnit schema.

The schema is not copied into this repo: it is read from the ``shared/schemas``
folder next to the checkout (or from ``PYTEST_PROCESSES_JUNIT_XSD``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ("pytester",)

JUNIT_XSD = Path(
    os.environ.get(
        "PYTEST_PROCESSES_JUNIT_XSD",
        Path(__file__).resolve().parent.parent / "shared" / "schemas" / "junit-10.xsd",
    )
)


@pytest.fixture(scope="session")
def junit_schema() -> Any:
    """The Jenkins xunit-plugin ``junit-10.xsd`` that pytest's own JUnit output targets."""
    xmlschema = pytest.importorskip("xmlschema")
    if not JUNIT_XSD.is_file():
        pytest.skip(f"JUnit schema not found at {JUNIT_XSD} (set PYTEST_PROCESSES_JUNIT_XSD)")
    return xmlschema.XMLSchema(str(JUNIT_XSD))
