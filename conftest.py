"""Root conftest: pytester for the plugin's end-to-end tests, and the shared schema paths."""

from __future__ import annotations

pytest_plugins = ("pytester",)
