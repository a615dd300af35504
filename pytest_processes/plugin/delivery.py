"""Report delivery after a ``--processes`` run: the HTML file, then email and webhooks.

Settings come from the command line first, then the ini file; the SMTP login and
the webhook secret come only from environment variables, and are never printed.
Files are written first (after ``--processes-json`` and ``--junitxml``), then the
report is sent. A delivery failure is one warning line in the terminal summary:
it never changes the exit code and is not a Python warning (``filterwarnings =
error`` suites would turn it into an error). An HTML file that cannot be written
is one line too, and a passing run then exits with ``REPORT_NOT_WRITTEN``.
"""

from __future__ import annotations

import os
import ssl
import warnings
from collections.abc import Generator
from dataclasses import dataclass, field
from email.utils import parseaddr
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from ..comms import EmailChannel, HTMLEmailStyle, SMTPConfig, WebhookChannel, WebhookConfig
from ..comms._smtp import PlaintextLoginWarning, is_loopback
from ..comms._webhook import safe_url
from ..comms.email_config import LANGUAGES, PALETTES
from ..engine.masking import current_masker
from ..model.execution_report import ProcessExecutionReport
from .option_source import option_flag, read_option
from .report_files import checked_report_path, not_written, write_report_file

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..comms.base import ReportChannel

__all__ = [
    "ENV_CA_FILE",
    "ENV_SMTP_PASSWORD",
    "ENV_SMTP_USER",
    "ENV_WEBHOOK_SECRET",
    "HELP",
    "Delivery",
    "DeliverySettings",
    "add_delivery_options",
]

ENV_SMTP_USER = "PYTEST_PROCESSES_SMTP_USER"
ENV_SMTP_PASSWORD = "PYTEST_PROCESSES_SMTP_PASSWORD"
ENV_CA_FILE = "PYTEST_PROCESSES_SMTP_CA_FILE"
ENV_WEBHOOK_SECRET = "PYTEST_PROCESSES_WEBHOOK_SECRET"

NOTIFY = ("never", "failures", "always")
SECURITY = ("none", "starttls", "ssl")
SMTPS_PORT = 465

HELP = {
    "html": "write the run's report as one self-contained HTML page to this path",
    "smtp": "SMTP server the report email goes through, as HOST:PORT; login from the "
    f"{ENV_SMTP_USER} and {ENV_SMTP_PASSWORD} environment variables",
    "email_from": "sender address of the report email",
    "email_to": "recipient of the report email (repeatable, or comma-separated)",
    "smtp_security": "none, starttls or ssl (default: ssl on port 465, else starttls); "
    f"{ENV_CA_FILE} names a CA bundle to trust instead of the system store",
    "notify": "when to email or POST the report: never, failures (a task failed or the run "
    "was interrupted; the default) or always",
    "email_palette": f"colours of the report email: {', '.join(PALETTES)} (default: neutral)",
    "email_language": f"language of the report email: {', '.join(LANGUAGES)} (default: en)",
    "webhook": "URL the report is POSTed to as JSON (repeatable); signed with "
    f"X-Signature-SHA256 when {ENV_WEBHOOK_SECRET} is set",
    "smtp_allow_plaintext_login": "allow the SMTP login to be sent unencrypted with "
    "--processes-smtp-security none to a host that is not a loopback address",
}

_OPTIONS = (  # in --help order
    "smtp",
    "smtp_security",
    "email_from",
    "email_to",
    "email_palette",
    "email_language",
    "webhook",
    "notify",
)
_LIST_OPTIONS = ("email_to", "webhook")
_METAVARS = {
    "smtp": "HOST:PORT",
    "email_from": "ADDR",
    "email_to": "ADDR",
    "smtp_security": "MODE",
    "notify": "WHEN",
    "email_palette": "NAME",
    "email_language": "CODE",
    "webhook": "URL",
}


def add_delivery_options(group: pytest.OptionGroup, parser: pytest.Parser) -> None:
    """Register ``--processes-html`` and the email/webhook options with their ini keys."""
    group.addoption("--processes-html", dest="processes_html", metavar="PATH", help=HELP["html"])
    for name in _OPTIONS:
        many = name in _LIST_OPTIONS
        group.addoption(
            option_flag(name),
            dest=f"processes_{name}",
            action="append" if many else "store",
            default=None,
            metavar=_METAVARS[name],
            help=HELP[name],
        )
        if many:
            parser.addini(f"processes_{name}", HELP[name], type="linelist", default=[])
        else:
            parser.addini(f"processes_{name}", HELP[name], type="string", default="")
    plaintext = "smtp_allow_plaintext_login"
    group.addoption(
        "--processes-smtp-allow-plaintext-login",
        dest=f"processes_{plaintext}",
        action="store_true",
        default=None,
        help=HELP[plaintext],
    )
    parser.addini(f"processes_{plaintext}", HELP[plaintext], type="bool", default=False)


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
        return EmailChannel(config, HTMLEmailStyle(self.palette, self.language))


def _email_settings(reader: _Reader) -> EmailSettings | None:
    hostport = _hostport(reader)
    fromaddr = _addresses(reader, "email_from")
    toaddrs = _addresses(reader, "email_to")
    security = _choice(reader, "smtp_security", SECURITY, "")
    palette = _choice(reader, "email_palette", PALETTES, "neutral")
    language = _choice(reader, "email_language", LANGUAGES, "en")
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
        html = config.getoption("processes_html")
        base = config.invocation_params.dir
        return cls(
            html_path=checked_report_path("--processes-html", html, base) if html else None,
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


class Delivery:
    """Writes ``--processes-html`` and sends the report once the session is over."""

    def __init__(self, config: pytest.Config, settings: DeliverySettings) -> None:
        self.config = config
        self.settings = settings
        self.html_written: Path | None = None
        self.sent: list[str] = []
        self.problems: list[str] = []
        self.skipped_because = ""
        self._interrupted = ""

    @classmethod
    def from_config(cls, config: pytest.Config) -> Delivery:
        return cls(config, DeliverySettings.from_config(config))

    def pytest_report_header(self) -> list[str]:
        return self.settings.header()

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        self._interrupted = str(excinfo.value) or type(excinfo.value).__name__

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_sessionfinish(
        self, session: pytest.Session, exitstatus: int | pytest.ExitCode
    ) -> Generator[None, None, None]:
        # A trylast wrapper: every other sessionfinish (--processes-json, --junitxml)
        # has written its file when this resumes, and the terminal summary comes after.
        result = yield
        report = self._final_report(exitstatus)
        if report is not None:
            self._write_html(report, session)
            self._send(report, exitstatus)
        return result

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.html_written is not None:
            terminalreporter.write_sep("-", f"generated processes html file: {self.html_written}")
        for line in self.sent:
            terminalreporter.write_line(line)
        if self.skipped_because and self.config.get_verbosity() > 0:
            terminalreporter.write_line(self.skipped_because)
        for line in self.problems:
            terminalreporter.write_line(line, yellow=True, bold=True)

    # -- after the run -----------------------------------------------------------

    def _final_report(self, exitstatus: int | pytest.ExitCode) -> ProcessExecutionReport | None:
        """The run's report; a run stopped before any task ran gets an empty, interrupted one."""
        from . import run_key

        run = self.config.stash.get(run_key, None)
        if run is not None and run.report is not None:
            return run.report
        graph_only = run is not None and run.settings.graph
        if self.config.option.collectonly or graph_only or not _failed_exit(exitstatus):
            return None
        reason = self._interrupted or f"pytest exited with status {int(exitstatus)}"
        name = run.settings.name if run is not None else self.config.rootpath.name
        return ProcessExecutionReport(process_name=name, interrupted=reason)

    def _write_html(self, report: ProcessExecutionReport, session: pytest.Session) -> None:
        """Write ``--processes-html``; whatever goes wrong is one line, and the rest still runs."""
        path = self.settings.html_path
        if path is None:
            return
        try:
            write_report_file(path, report.to_html())
        except Exception as exc:
            self.problems.append(not_written(session, "HTML", path, exc))
        else:
            self.html_written = path

    def _channels(self) -> list[tuple[str, Callable[[], ReportChannel]]]:
        """``(what, make_channel)`` per destination, built where their failures are caught."""
        s = self.settings
        channels: list[tuple[str, Callable[[], ReportChannel]]] = []
        if s.email is not None:
            channels.append((f"email to {', '.join(s.email.toaddrs)}", s.email.channel))
        for url in s.webhooks:
            config = WebhookConfig(url, secret=s.webhook_secret)
            channels.append((f"webhook to {safe_url(url)}", partial(WebhookChannel, config)))
        return channels

    def _send(self, report: ProcessExecutionReport, exitstatus: int | pytest.ExitCode) -> None:
        s = self.settings
        if s.email is None and not s.webhooks:
            return
        failed = not report.ok or _failed_exit(exitstatus)
        if s.notify == "never" or (s.notify == "failures" and not failed):
            self.skipped_because = f"processes: report not sent (notify={s.notify})"
            return
        errors_only = s.notify == "failures" and bool(report.errored)
        for what, make_channel in self._channels():
            try:
                with warnings.catch_warnings():  # a plaintext login was allowed at startup
                    warnings.simplefilter("ignore", PlaintextLoginWarning)
                    make_channel().send_report(report, errors_only=errors_only)
            except Exception as exc:
                detail = str(exc) or type(exc).__name__
                if not detail.startswith("webhook POST"):
                    detail = f"{what} failed: {detail}"
                self.problems.append(self._clean(f"processes: {detail}"))
            else:
                self.sent.append(f"processes: report sent: {what}")

    def _clean(self, text: str) -> str:
        """One line, with every secret masked."""
        line = " ".join(part.strip() for part in text.splitlines() if part.strip())
        for secret in self.settings.secrets:
            line = line.replace(secret, "***")
        return current_masker().mask(line)


def _failed_exit(exitstatus: int | pytest.ExitCode) -> bool:
    return int(exitstatus) not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)
