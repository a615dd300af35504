"""SMTP transport settings and the look of the report email."""

from __future__ import annotations

import ssl as _ssl
from dataclasses import dataclass, field

__all__ = ["HTMLEmailStyle", "SMTPConfig"]

PALETTES = ("neutral", "catppuccin", "neobones", "slate")
LANGUAGES = ("en", "es", "pt", "fr", "de", "it")


@dataclass
class SMTPConfig:
    """Where and how to send the report email.

    ``secure`` is ``None`` for plain SMTP, a tuple (usually ``()``) for STARTTLS;
    ``ssl=True`` uses implicit TLS (SMTPS, port 465). ``timeout`` bounds every
    socket operation, in seconds.
    """

    mailhost: tuple[str, int] | str
    fromaddr: str
    toaddrs: list[str]
    credentials: tuple[str, str] | None = None
    secure: tuple[()] | tuple[str] | tuple[str, str] | tuple[str, str, _ssl.SSLContext] | None = (
        None
    )
    timeout: float = 5
    ssl: bool = False
    ssl_context: _ssl.SSLContext | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        user = self.credentials[0] if self.credentials else None
        return (
            f"SMTPConfig(mailhost={self.mailhost!r}, fromaddr={self.fromaddr!r}, "
            f"toaddrs={self.toaddrs!r}, credentials={(user, '***') if user else None!r}, "
            f"secure={self.secure!r}, timeout={self.timeout!r}, ssl={self.ssl!r})"
        )


@dataclass(frozen=True)
class HTMLEmailStyle:
    """Palette and language of the report email."""

    palette: str = "neutral"
    language: str = "en"

    def __post_init__(self) -> None:
        if self.palette not in PALETTES:
            raise ValueError(f"palette must be one of {list(PALETTES)}, got '{self.palette}'")
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {list(LANGUAGES)}, got '{self.language}'")
