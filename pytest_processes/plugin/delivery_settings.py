"""Reading and validating the delivery options into ``DeliverySettings``, once at startup.

Settings come from the command line first, then the ini file; a bad value is a
``UsageError`` naming the option, the value and where it came from.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ..comms import EmailChannel, HTMLEmailStyle, ReportContent, SMTPConfig
from ..comms._smtp import is_loopback
from ..comms._webhook import safe_url
from ..comms.base import DEFAULT_OUTPUT_LINES
from ..comms.email_config import LANGUAGES, PALETTES
from .delivery_options import (
    ENV_CA_FILE,
    ENV_SMTP_PASSWORD,
    ENV_SMTP_USER,
    ENV_WEBHOOK_SECRET,
    NOTIFY,
    SECURITY,
    SMTPS_PORT,
)
from .option_source import option_flag, read_option
from .report_files import report_target

__all__ = ["DeliverySettings", "EmailSettings"]


class _Reader:
    """Raw values with where they came from, for ``Invalid <x> <value> from <where>``."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        inipath = config.inipath
        self.ini_where = f"the config file ({inipath.name})" if inipath else "the config file"

    def get(self, name: str) -> tuple[Any, str, str]:
        """``(value, label, where)``: the command line if given, else the ini file."""
        found = read_option(self.config, name)
        where = "the command line" if found.from_command_line else self.ini_where
        return found.value, found.label, where

    def hint(self, name: str) -> str:
        """How to set option ``name``, for messages that ask for a missing setting."""
        return f"{option_flag(name)} (or processes_{name} in the config file)"


def _invalid(label: str, value: object, where: str, expected: str) -> pytest.UsageError:
    return pytest.UsageError(f"Invalid {label} {value!r} from {where}: {expected}")


def _choice(reader: _Reader, name: str, choices: tuple[str, ...], default: str) -> str:
    raw, label, where = reader.get(name)
    value = str(raw).strip().lower()
    if not value:
        return default
    if value not in choices:
        raise _invalid(label, raw, where, f"expected one of {', '.join(choices)}")
    return value


def _hostport(reader: _Reader) -> tuple[str, int] | None:
    raw, label, where = reader.get("smtp")
    text = str(raw).strip()
    if not text:
        return None
    if text.startswith("["):  # [IPv6]:port
        host, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port_text = text.rpartition(":")
    if not host or not port_text or (":" in host and not text.startswith("[")):
        raise _invalid(label, raw, where, "expected HOST:PORT (e.g. smtp.example.org:587)")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise _invalid(label, raw, where, "expected HOST:PORT with a port number from 1 to 65535")
    return host, int(port_text)


def _address(value: str, label: str, where: str) -> str:
    address = parseaddr(value)[1]
    local, _, domain = address.rpartition("@")
    if not local or not domain or any(c.isspace() for c in address):
        raise _invalid(label, value, where, "expected an email address like ops@example.org")
    return value.strip()


def _addresses(reader: _Reader, name: str) -> list[str]:
    raw, label, where = reader.get(name)
    values = [raw] if isinstance(raw, str) else list(raw)
    parts = [p.strip() for v in values for p in str(v).split(",")]
    return [_address(p, label, where) for p in parts if p]


def _env_credentials() -> tuple[str, str] | None:
    user, password = os.environ.get(ENV_SMTP_USER, ""), os.environ.get(ENV_SMTP_PASSWORD, "")
    if bool(user) != bool(password):
        given, missing = (
            (ENV_SMTP_USER, ENV_SMTP_PASSWORD) if user else (ENV_SMTP_PASSWORD, ENV_SMTP_USER)
        )
        raise pytest.UsageError(
            f"Invalid SMTP login from the environment: {given} is set but {missing} is not; "
            "set both or neither"
        )
    return (user, password) if user else None


def _plaintext_login(
    reader: _Reader, host: str, security: str, credentials: tuple[str, str] | None
) -> str:
    """Why a login may go unencrypted (``loopback``, ``allowed``), "" if it does not; else an error.

    A password sent with ``--processes-smtp-security none`` can be read by anyone
    on the way, so it needs a loopback host or an explicit opt-in.
    """
    if security != "none" or credentials is None:
        return ""
    if is_loopback(host):
        return "loopback"
    if reader.get("smtp_allow_plaintext_login")[0]:
        return "allowed"
    _, label, where = reader.get("smtp_security")
    raise pytest.UsageError(
        f"{label} none (from {where}) would send the SMTP login of {ENV_SMTP_USER}/"
        f"{ENV_SMTP_PASSWORD} unencrypted to {host}: use --processes-smtp-security starttls "
        "or ssl, or allow it explicitly with --processes-smtp-allow-plaintext-login "
        "(processes_smtp_allow_plaintext_login = true in the config file)"
    )


def _ca_file() -> Path | None:
    raw = os.environ.get(ENV_CA_FILE, "")
    if not raw:
        return None
    path = Path(raw).expanduser()
    if not path.is_file():
        raise _invalid(ENV_CA_FILE, raw, "the environment", "no such file")
    try:
        ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, OSError) as exc:
        detail = f"not a PEM file of CA certificates ({exc})"
        raise _invalid(ENV_CA_FILE, raw, "the environment", detail) from None
    return path


@dataclass(frozen=True)
class EmailSettings:
    """Where the report email goes and how (the password is never in the repr)."""

    host: str
    port: int
    fromaddr: str
    toaddrs: tuple[str, ...]
    security: str
    credentials: tuple[str, str] | None = field(default=None, repr=False)
    ca_file: Path | None = None
    palette: str = "neutral"
    language: str = "en"
    #: why the login may go unencrypted: "loopback", "allowed" (opted in), or ""
    plaintext_login: str = ""
    #: the last lines of each captured stream of a failed task the email shows
    output_lines: int = DEFAULT_OUTPUT_LINES

    @property
    def server(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def channel(self) -> EmailChannel:
        context: ssl.SSLContext | None = None
        if self.security != "none":
            context = ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        config = SMTPConfig(
            mailhost=(self.host, self.port),
            fromaddr=self.fromaddr,
            toaddrs=list(self.toaddrs),
            credentials=self.credentials,
            secure=() if self.security == "starttls" else None,
            ssl=self.security == "ssl",
            ssl_context=context,
        )
        content = ReportContent(output_lines=self.output_lines)
        return EmailChannel(config, HTMLEmailStyle(self.palette, self.language), content)


def _count(reader: _Reader, name: str, default: int) -> int:
    """A whole number of 0 or more (``default`` when unset), else an error naming the option."""
    raw, label, where = reader.get(name)
    text = str(raw if raw is not None else "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise _invalid(label, raw, where, "expected a whole number of lines, 0 or more")
    return int(text)


def _email_settings(reader: _Reader) -> EmailSettings | None:
    hostport = _hostport(reader)
    fromaddr = _addresses(reader, "email_from")
    toaddrs = _addresses(reader, "email_to")
    security = _choice(reader, "smtp_security", SECURITY, "")
    palette = _choice(reader, "email_palette", PALETTES, "neutral")
    language = _choice(reader, "email_language", LANGUAGES, "en")
    output_lines = _count(reader, "email_output_lines", DEFAULT_OUTPUT_LINES)
    if len(fromaddr) > 1:
        _, label, where = reader.get("email_from")
        raise _invalid(label, ", ".join(fromaddr), where, "expected a single sender address")
    if not toaddrs:
        return None
    _, label, where = reader.get("email_to")
    shown = ", ".join(toaddrs)
    if hostport is None:
        raise _invalid(label, shown, where, f"recipients need a server: set {reader.hint('smtp')}")
    if not fromaddr:
        raise _invalid(
            label, shown, where, f"recipients need a sender: set {reader.hint('email_from')}"
        )
    host, port = hostport
    if not security:
        security = "ssl" if port == SMTPS_PORT else "starttls"
    elif port == SMTPS_PORT and security != "ssl":
        _, label, where = reader.get("smtp_security")
        raise _invalid(
            label,
            security,
            where,
            f"port {SMTPS_PORT} always speaks implicit TLS: use ssl, or the server's "
            "submission port (587) for starttls",
        )
    credentials = _env_credentials()
    return EmailSettings(
        host,
        port,
        fromaddr[0],
        tuple(toaddrs),
        security,
        credentials=credentials,
        ca_file=_ca_file() if security != "none" else None,
        palette=palette,
        language=language,
        plaintext_login=_plaintext_login(reader, host, security, credentials),
        output_lines=output_lines,
    )


def _webhooks(reader: _Reader) -> tuple[str, ...]:
    raw, label, where = reader.get("webhook")
    urls = [str(u).strip() for u in ([raw] if isinstance(raw, str) else raw)]
    urls = [u for u in urls if u]
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            shown = safe_url(url) if parts.hostname else url
            raise _invalid(label, shown, where, "expected an http:// or https:// URL")
    return tuple(urls)


@dataclass(frozen=True)
class DeliverySettings:
    """Validated delivery settings of one ``--processes`` session."""

    html_path: Path | None = None
    email: EmailSettings | None = None
    webhooks: tuple[str, ...] = ()
    webhook_secret: str | None = field(default=None, repr=False)
    notify: str = "failures"

    @classmethod
    def from_config(cls, config: pytest.Config) -> DeliverySettings:
        reader = _Reader(config)
        html = report_target(config, "html")
        return cls(
            html_path=html[1] if html else None,
            email=_email_settings(reader),
            webhooks=_webhooks(reader),
            webhook_secret=os.environ.get(ENV_WEBHOOK_SECRET) or None,
            notify=_choice(reader, "notify", NOTIFY, "failures"),
        )

    @property
    def secrets(self) -> list[str]:
        """Values that must never reach the terminal."""
        found = [self.webhook_secret or ""]
        if self.email is not None and self.email.credentials:
            found.append(self.email.credentials[1])
        return [s for s in found if s]

    def header(self) -> list[str]:
        """The ``processes: ...`` header lines (no user name, password or secret)."""
        lines = []
        if self.email is not None:
            e = self.email
            login = ", login" if e.credentials else ""
            if e.plaintext_login == "loopback":
                login = ", plaintext login to a loopback host"
            elif e.plaintext_login:
                login = ", plaintext login allowed by --processes-smtp-allow-plaintext-login"
            lines.append(
                f"processes: email to {', '.join(e.toaddrs)} via {e.server} "
                f"({e.security}{login}), notify={self.notify}"
            )
        for url in self.webhooks:
            signed = " (signed)" if self.webhook_secret else ""
            lines.append(f"processes: webhook to {safe_url(url)}{signed}, notify={self.notify}")
        return lines
