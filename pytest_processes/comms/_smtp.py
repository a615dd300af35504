"""SMTP transport of the report email: plain, STARTTLS or implicit TLS, with a timeout.

Differences from processes 7.0.4, on purpose: ``timeout`` is used (connect and
every socket operation), STARTTLS happens whenever ``secure`` is given (not only
with credentials), implicit TLS (SMTPS) is available, and ``quit()`` runs in a
``finally``. The password is never put in a message or a repr.
"""

from __future__ import annotations

import base64
import ipaddress
import smtplib
import ssl
import warnings
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING

from .base import ReportDeliveryError

if TYPE_CHECKING:
    from ._email_render import RenderedEmail
    from .email_config import SMTPConfig

__all__ = [
    "PlaintextLoginWarning",
    "build_message",
    "is_loopback",
    "parse_mailhost",
    "send_email",
    "warn_plaintext_login",
]

SMTPS_PORT = 465


class PlaintextLoginWarning(UserWarning):
    """An SMTP login is about to cross the network unencrypted (no STARTTLS, no TLS)."""


def is_loopback(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ``::1``: traffic that stays on this host."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def warn_plaintext_login(config: SMTPConfig, *, stacklevel: int) -> None:
    """Warn when ``config`` would send a password unencrypted to a non-loopback host.

    processes allows such a login, so this warns rather than raises; it runs when
    the channel is made, before anything is sent.
    """
    if not config.credentials or config.secure is not None or uses_implicit_tls(config):
        return
    try:
        host, port = parse_mailhost(config.mailhost)
    except ValueError:  # sending says what is wrong with it
        return
    if is_loopback(host):
        return
    warnings.warn(
        f"SMTPConfig sends its login (credentials) unencrypted to {host}:{port}: "
        "set secure=() for STARTTLS or ssl=True for implicit TLS",
        PlaintextLoginWarning,
        stacklevel=stacklevel + 1,
    )


def parse_mailhost(mailhost: tuple[str, int] | str) -> tuple[str, int]:
    """``(host, port)`` from a tuple, ``"host"`` (port 25), ``"host:port"`` or ``"[v6]:port"``."""
    if isinstance(mailhost, tuple):
        host, port = mailhost
        return str(host), int(port)
    text = mailhost.strip()
    if text.startswith("["):  # [IPv6] or [IPv6]:port
        host, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    else:
        host, port_text = text, ""
    if not host:
        raise ValueError(f"SMTPConfig.mailhost has no host name: {mailhost!r}")
    if not port_text:
        return host, smtplib.SMTP_PORT
    if not port_text.isdigit():
        raise ValueError(f"SMTPConfig.mailhost port must be a number, got {mailhost!r}")
    return host, int(port_text)


def uses_implicit_tls(config: SMTPConfig) -> bool:
    """True for SMTPS: ``ssl=True`` or port 465."""
    return bool(config.ssl) or parse_mailhost(config.mailhost)[1] == SMTPS_PORT


def tls_context(config: SMTPConfig) -> ssl.SSLContext:
    """The client TLS context: given in ``secure[2]`` or ``ssl_context``, else the default one.

    ``secure=(keyfile, certfile)`` loads that client certificate into a default context.
    """
    secure = tuple(config.secure or ())
    given = secure[2] if len(secure) > 2 and secure[2] is not None else config.ssl_context
    keyfile = secure[0] if len(secure) > 0 else None
    certfile = secure[1] if len(secure) > 1 else None
    if given is not None and not isinstance(given, ssl.SSLContext):
        kind = type(given).__name__
        raise TypeError(f"SMTPConfig TLS context must be an ssl.SSLContext, got {kind}")
    if keyfile and not certfile:
        raise ValueError(
            "SMTPConfig.secure names a keyfile without a certfile: give (keyfile, certfile)"
        )
    if given is not None and certfile:
        raise ValueError(
            "SMTPConfig: give a client certificate either as secure=(keyfile, certfile) "
            "or inside your SSLContext, not both"
        )
    context = given if given is not None else ssl.create_default_context()
    if certfile:
        context.load_cert_chain(str(certfile), str(keyfile) if keyfile else None)
    return context


def build_message(config: SMTPConfig, email: RenderedEmail) -> EmailMessage:
    """A multipart/alternative message: the text part first, the HTML part second."""
    message = EmailMessage()
    message["From"] = config.fromaddr
    message["To"] = ", ".join(config.toaddrs)
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=config.fromaddr.rpartition("@")[2] or None)
    message.set_content(email.text, subtype="plain", charset="utf-8")
    message.add_alternative(email.html, subtype="html", charset="utf-8")
    return message


def _secrets(config: SMTPConfig) -> list[str]:
    """Forms of the password that could show up in an error: raw and AUTH-encoded."""
    if not config.credentials:
        return []
    user, password = config.credentials
    if not password:
        return []
    encoded = [
        base64.b64encode(f"\0{user}\0{password}".encode()).decode(),
        base64.b64encode(password.encode()).decode(),
    ]
    return [password, *encoded]


def _describe(config: SMTPConfig, host: str, port: int) -> str:
    if uses_implicit_tls(config):
        mode = "implicit TLS"
    elif config.secure is not None:
        mode = "STARTTLS"
    else:
        mode = "plain SMTP"
    return f"{host}:{port} ({mode}, timeout {config.timeout:g}s)"


def _converse(config: SMTPConfig, message: EmailMessage, host: str, port: int) -> None:
    timeout = float(config.timeout)
    if uses_implicit_tls(config):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=tls_context(config)
        )
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config.secure is not None and not uses_implicit_tls(config):
            smtp.starttls(context=tls_context(config))
        if config.credentials:
            user, password = config.credentials
            smtp.login(user, password)
        smtp.send_message(message, from_addr=config.fromaddr, to_addrs=list(config.toaddrs))
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def send_email(config: SMTPConfig, email: RenderedEmail) -> None:
    """Deliver ``email``; any failure becomes a ReportDeliveryError naming server and mode."""
    if not config.toaddrs:
        raise ValueError("SMTPConfig.toaddrs is empty: name at least one recipient")
    if not config.timeout or config.timeout <= 0:
        raise ValueError(
            f"SMTPConfig.timeout must be a positive number of seconds, got {config.timeout!r}"
        )
    host, port = parse_mailhost(config.mailhost)
    where = _describe(config, host, port)
    message = build_message(config, email)
    secrets = _secrets(config)
    failure: ReportDeliveryError | None = None
    try:
        _converse(config, message, host, port)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
            detail = f"timed out after {config.timeout:g}s ({detail})"
        leaked = any(s in detail or s in repr(exc.args) for s in secrets)
        for secret in secrets:
            detail = detail.replace(secret, "***")
        failure = ReportDeliveryError(f"could not send the report email via {where}: {detail}")
        if not leaked:
            raise failure from exc
    if failure is not None:  # raised outside the handler: no chained copy of the secret
        raise failure
