"""Root conftest: pytester for the plugin's end-to-end tests, and the JUnit schemas.

Every JUnit file is validated against ``tests/schemas/junit.xsd`` (written here, in
the repo), and also against the Jenkins/pytest ``junit-10.xsd`` when the
``shared/schemas`` folder next to the checkout is present (or
``PYTEST_PROCESSES_JUNIT_XSD`` names it), as in CI.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ("pytester",)

# The importlib_metadata backport (a dependency of Dask) adds a finder to sys.meta_path
# when first imported. If that happens inside a test using pytester, pytester removes the
# module again but the finder stays, and the next in-process pytest finds no plugin entry
# points ("unrecognized arguments: --processes"). Imported here, it outlives every test.
with contextlib.suppress(ImportError):  # not installed: nothing to protect against
    import importlib_metadata  # noqa: F401

# A shell that starts a job in the background without job control starts it with SIGINT
# ignored, and Python then keeps it ignored: Ctrl-C would raise nothing here, and every
# process a test starts would inherit the ignored signal. The tests of Ctrl-C need it back.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

#: the repo's own JUnit schema: a fresh clone validates against it
OWN_JUNIT_XSD = Path(__file__).resolve().parent / "tests" / "schemas" / "junit.xsd"
#: the Jenkins xunit-plugin schema pytest's own output targets, used when present
SHARED_JUNIT_XSD = Path(
    os.environ.get(
        "PYTEST_PROCESSES_JUNIT_XSD",
        Path(__file__).resolve().parent.parent / "shared" / "schemas" / "junit-10.xsd",
    )
)


#: tests of other plugins with --processes: they need the ``compat`` extra, so they run in
#: their own job (``tox -e compat``, the last step of .ci/run), named on the command line
COMPAT_TESTS = Path(__file__).resolve().parent / "tests" / "compat"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Leave ``tests/compat`` out of a run that does not name it (nothing to skip there)."""
    if collection_path != COMPAT_TESTS:
        return None
    named = (Path(str(arg).split("::")[0]).resolve() for arg in config.args)
    return not any(path == COMPAT_TESTS or COMPAT_TESTS in path.parents for path in named)


class JunitSchemas:
    """Validates a JUnit file against every schema at hand: the repo's, then the shared one."""

    def __init__(self, schemas: list[Any]) -> None:
        self.schemas = schemas

    def validate(self, path: str) -> None:
        """Raise ``xmlschema.XMLSchemaValidationError`` naming the first schema ``path`` breaks."""
        for schema in self.schemas:
            schema.validate(path)


@pytest.fixture(scope="session")
def own_junit_schema() -> Any:
    """The repo's ``tests/schemas/junit.xsd`` alone, for what only it allows (``@file``)."""
    xmlschema = pytest.importorskip("xmlschema")
    return xmlschema.XMLSchema(str(OWN_JUNIT_XSD))


@pytest.fixture(scope="session")
def junit_schema(own_junit_schema: Any) -> JunitSchemas:
    """The repo's schema, plus ``junit-10.xsd`` when the shared schemas folder is present."""
    schemas = [own_junit_schema]
    if SHARED_JUNIT_XSD.is_file():
        import xmlschema

        schemas.append(xmlschema.XMLSchema(str(SHARED_JUNIT_XSD)))
    return JunitSchemas(schemas)
