"""Secret values masked wherever report text is written, as CI systems mask secret variables.

A :class:`SecretMasker` holds one compiled pattern: every secret value and its
URL-encoded and ``repr``-escaped forms, longest first. Values shorter than
``MIN_SUBSTRING`` characters are only masked where a whole string equals them
(as substrings they would hit ordinary text). An empty masker costs one check.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import quote, quote_plus

from .tracing import REDACTED

__all__ = [
    "DEFAULT_SECRET_WORDS",
    "MIN_SUBSTRING",
    "PROJECT_SECRET_ENV",
    "SecretMasker",
    "current_masker",
    "environ_secrets",
    "use_masker",
]

MIN_SUBSTRING = 6
#: environment variables whose name holds one of these words are secret by default
DEFAULT_SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "KEY")
#: the project's own secrets: always masked, whatever the defaults say
PROJECT_SECRET_ENV = ("PYTEST_PROCESSES_SMTP_PASSWORD", "PYTEST_PROCESSES_WEBHOOK_SECRET")


def _forms(value: str) -> set[str]:
    """The value as text may carry it: raw, URL-encoded (DSNs, query strings), inside a repr."""
    return {value, quote(value), quote(value, safe=""), quote_plus(value), repr(value)[1:-1]}


class SecretMasker:
    """Replaces secret values (and their encoded forms) by ``<redacted>`` in text and data."""

    __slots__ = ("_exact", "_pattern", "_raw")

    def __init__(self, values: Iterable[str] = ()) -> None:
        found = {v for v in values if v}
        self._raw = frozenset(found)
        long = [v for v in found if len(v) >= MIN_SUBSTRING]
        forms = sorted({f for v in long for f in _forms(v)}, key=lambda f: (-len(f), f))
        self._pattern = re.compile("|".join(map(re.escape, forms))) if forms else None
        short = found - set(long)
        self._exact = frozenset(short | {repr(v) for v in short})

    def __bool__(self) -> bool:
        return self._pattern is not None or bool(self._exact)

    def __repr__(self) -> str:  # never the values themselves
        return f"SecretMasker(<{len(self._raw)} values>)"

    def with_values(self, *values: str | None) -> SecretMasker:
        """This masker plus ``values`` (e.g. a channel's own password); ``None`` is skipped."""
        extra = {v for v in values if v} - self._raw
        return SecretMasker(self._raw | extra) if extra else self

    def mask(self, text: str) -> str:
        """``text`` with every secret replaced by ``<redacted>``."""
        if text in self._exact:
            return REDACTED
        if self._pattern is None:
            return text
        return self._pattern.sub(REDACTED, text)

    def mask_data(self, value: Any) -> Any:
        """``value`` with secrets masked: strings, lists, tuples and dicts deeply.

        Any other object whose ``repr`` holds a secret becomes its masked ``repr``.
        """
        if not self:
            return value
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, (list, tuple)):
            items = [self.mask_data(v) for v in value]
            return tuple(items) if isinstance(value, tuple) else items
        if isinstance(value, dict):
            return {self.mask_data(k): self.mask_data(v) for k, v in value.items()}
        if value is None or isinstance(value, (bool, int, float)):
            return value
        try:
            text = repr(value)
        except Exception:  # a broken __repr__ cannot leak either
            return value
        masked = self.mask(text)
        return value if masked == text else masked


def _is_default_secret(name: str) -> bool:
    upper = name.upper()
    return any(word in upper for word in DEFAULT_SECRET_WORDS)


def environ_secrets(
    patterns: Iterable[str] = (),
    *,
    defaults: bool = True,
    environ: Mapping[str, str] | None = None,
) -> list[str]:
    """Values of the environment variables to mask, sorted.

    The project's own secrets always; names matching a glob of ``patterns``
    (``*_TOKEN``); with ``defaults``, names holding PASSWORD, SECRET, TOKEN or KEY.
    """
    env = os.environ if environ is None else environ
    globs = list(patterns)
    return sorted(
        {
            value
            for name, value in env.items()
            if value
            and (
                name in PROJECT_SECRET_ENV
                or (defaults and _is_default_secret(name))
                or any(fnmatch.fnmatchcase(name, g) for g in globs)
            )
        }
    )


def _environ_key() -> tuple[Any, ...]:
    """The environment as it is now, cheaply: the raw mapping behind ``os.environ`` if any."""
    data = getattr(os.environ, "_data", None)  # CPython: encoded names and values, no decoding
    return tuple(data.items()) if isinstance(data, dict) else tuple(os.environ.items())


@lru_cache(maxsize=4)
def _environ_masker(key: tuple[Any, ...]) -> SecretMasker:
    """The default masker of the environment ``key`` stands for (built once per environment)."""
    return SecretMasker(environ_secrets())


_configured: SecretMasker | None = None


def use_masker(masker: SecretMasker | None) -> SecretMasker | None:
    """Make ``masker`` the one report writers use (``None``: back to the environment's).

    Returns the previous one, to put back. ``pytest --processes`` sets it from its options.
    """
    global _configured
    previous, _configured = _configured, masker
    return previous


def current_masker() -> SecretMasker:
    """The masker set by :func:`use_masker`, else the environment's default one."""
    if _configured is not None:
        return _configured
    return _environ_masker(_environ_key())
