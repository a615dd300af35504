"""A ``--processes-*`` setting read from the command line, else the ini file, with its source.

Settings and delivery both word errors as ``Invalid <what> <value> from <where>``;
this is the one place that reads a setting and knows which of the two gave it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

__all__ = ["OptionValue", "option_flag", "read_option"]


@dataclass(frozen=True)
class OptionValue:
    """The raw value of setting ``name`` and whether the command line (not the ini) gave it."""

    name: str
    value: Any
    from_command_line: bool

    @property
    def option(self) -> str:
        """The command-line spelling: ``--processes-smtp-security``."""
        return option_flag(self.name)

    @property
    def ini(self) -> str:
        """The ini key: ``processes_smtp_security``."""
        return f"processes_{self.name}"

    @property
    def label(self) -> str:
        """The spelling of the source that gave the value: the option, else the ini key."""
        return self.option if self.from_command_line else self.ini


def option_flag(name: str) -> str:
    """``--processes-<name>`` with dashes, as registered in ``pytest_addoption``."""
    return f"--processes-{name.replace('_', '-')}"


def read_option(config: pytest.Config, name: str) -> OptionValue:
    """Setting ``name`` from ``--processes-<name>`` if given, else ini ``processes_<name>``."""
    cli = config.getoption(f"processes_{name}")
    if cli is not None:
        return OptionValue(name, cli, from_command_line=True)
    return OptionValue(name, config.getini(f"processes_{name}"), from_command_line=False)
