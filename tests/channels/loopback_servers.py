"""Loopback servers and report builders for the channel tests (used by conftest.py and tests).

aiosmtpd in plain, STARTTLS and SMTPS modes with optional AUTH, trustme certificates,
a TCP server that never greets, and a ThreadingHTTPServer webhook receiver.
"""

from __future__ import annotations

import email
import email.policy
import http.server
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPProtocol
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from pytest_processes import AttemptRecord
from pytest_processes.error_data import ErrorData
from pytest_processes.execution_report import ProcessExecutionReport, TaskReportEntry
from pytest_processes.task_types import TaskStatus

SMTP_USER, SMTP_PASSWORD = "reporter", "pa55-w0rd!Secret"


def build_entry(name: str, status: str, **fields: Any) -> TaskReportEntry:
    """A report line; tasks that ran get 0.5 s and one attempt unless told otherwise."""
    st = TaskStatus(status)
    ran = st in (TaskStatus.SUCCESS, TaskStatus.ERRORED)
    values: dict[str, Any] = {
        "name": name,
        "function": f"do_{name}",
        "args": (),
        "kwargs": {},
        "status": st,
        "elapsed_seconds": 0.5 if ran else 0.0,
        "attempts": 1 if ran else 0,
    }
    values.update(fields)
    return TaskReportEntry(**values)


#: the failed task of ``build_report``: a connection error, then the error it ended with
TRANSFORM_ATTEMPTS = (
    AttemptRecord(1, "failed", 1_750_000_000.0, 0.25, "thread-1", "ConnectionError", "db down"),
    AttemptRecord(2, "failed", 1_750_000_001.0, 0.25, "thread-1", "ValueError", "bad <row> 7"),
)


def build_report() -> ProcessExecutionReport:
    """One of each outcome; the failure has a traceback and traced variables."""
    error = ErrorData(
        task_name="transform",
        function="do_transform",
        args=(1,),
        kwargs={"k": "v"},
        downstream_impact=["load"],
        exception="bad <row> 7",
        traceback_str='Traceback (most recent call last):\n  File "t.py", line 3\n'
        "ValueError: bad <row> 7\n",
        traced_vars={"row_id": "7", "payload": "{'amount': None}"},
        traced_vars_location="t.py:3",
    )
    entries = [
        build_entry("extract", "success", result={"rows": 3}),
        build_entry(
            "transform",
            "errored",
            error=error,
            error_type="ValueError",
            attempts=2,
            attempt_history=TRANSFORM_ATTEMPTS,
            output="----- captured stdout -----\nread 7 rows\nrow 7 has no amount\n",
        ),
        build_entry("load", "skipped", reason="upstream failed: 'transform'"),
        build_entry("audit", "success", result=[1, 2]),
    ]
    return ProcessExecutionReport({e.name: e for e in entries}, "nightly-etl")


def build_leaky_report(secret: str) -> ProcessExecutionReport:
    """A report carrying ``secret`` everywhere text goes: raw and URL-encoded."""
    encoded = quote(secret, safe="")
    error = ErrorData(
        task_name="send",
        function="do_send",
        exception=f"login refused for {secret}",
        traceback_str=f'  File "t.py", line 3\n    token = "{secret}"\nValueError: {secret}\n',
        traced_vars={"dsn": f"'smtp://bot:{encoded}@mail'"},
        traced_vars_location="t.py:3",
    )
    entries = [
        build_entry("fetch", "success", result={"url": f"https://x/?key={encoded}"}),
        build_entry("send", "errored", error=error, error_type="ValueError", output=secret),
    ]
    return ProcessExecutionReport({e.name: e for e in entries}, "nightly-etl")


@dataclass
class TLS:
    """A throwaway CA: a server context for 127.0.0.1/localhost and a client that trusts it."""

    server: ssl.SSLContext
    client: ssl.SSLContext


def make_tls() -> TLS:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return TLS(server, client)


def free_port(host: str = "127.0.0.1") -> int:
    """A port free right now (aiosmtpd cannot bind port 0 itself; the race is accepted)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class SMTPServer:
    """A running aiosmtpd handler and what it received."""

    host: str
    port: int
    envelopes: list[Envelope] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    @property
    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(
                e.original_content or b"", _class=EmailMessage, policy=email.policy.default
            )
            for e in self.envelopes
        ]

    async def handle_DATA(self, server: SMTPProtocol, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


def authenticator(server: SMTPServer, echo_password: bool) -> Callable[..., AuthResult]:
    """Accepts SMTP_USER/SMTP_PASSWORD; with ``echo_password`` it refuses and repeats it."""

    def check(_smtp: Any, _session: Session, _env: Envelope, _mech: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        user, password = data.login.decode(), data.password.decode()
        server.logins.append((user, password))
        if (user, password) == (SMTP_USER, SMTP_PASSWORD) and not echo_password:
            return AuthResult(success=True)
        message = f"535 5.7.8 refused {user}/{password}" if echo_password else "535 5.7.8 refused"
        return AuthResult(success=False, handled=False, message=message)

    return check


def start_smtp(
    tls: TLS, mode: str, *, auth: bool, echo_password: bool, host: str = "127.0.0.1"
) -> tuple[SMTPServer, Controller]:
    """Start aiosmtpd on a free port of ``host``: ``mode`` is "plain", "starttls" or "smtps"."""
    server = SMTPServer(host, free_port(host))
    kwargs: dict[str, Any] = {"server_hostname": "localhost"}
    if mode == "starttls":
        kwargs.update(tls_context=tls.server, require_starttls=True)
    elif mode == "smtps":
        kwargs.update(ssl_context=tls.server)
    if auth:
        kwargs["authenticator"] = authenticator(server, echo_password)
        if mode == "starttls":  # AUTH offered only after STARTTLS, and required
            kwargs["auth_required"] = True
        else:  # aiosmtpd cannot see implicit TLS: let it offer AUTH without STARTTLS
            kwargs["auth_require_tls"] = False
    controller = Controller(server, hostname=server.host, port=server.port, **kwargs)
    controller.start()
    return server, controller


@dataclass
class SilentServer:
    """A TCP listener that accepts and then never says a word (no SMTP greeting)."""

    port: int
    accepted: threading.Event


@dataclass
class Received:
    """One request as the server saw it; header names lower-cased."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HookServer:
    """A loopback HTTP receiver: records requests, answers ``status``; ``hold`` delays replies."""

    url: str
    requests: list[Received]
    status: int = 204
    hold: bool = False
    release: threading.Event = field(default_factory=threading.Event)


def start_hook_server() -> tuple[HookServer, http.server.ThreadingHTTPServer, threading.Thread]:
    requests: list[Received] = []
    hook = HookServer("", requests)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}  # names are case-blind
            requests.append(Received("POST", self.path, headers, body))
            if hook.hold:
                hook.release.wait(10)
            payload = b'{"error": "nope"}' if hook.status >= 400 else b""
            self.send_response(hook.status)
            if 300 <= hook.status < 400:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            return

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    hook.url = f"http://127.0.0.1:{httpd.server_address[1]}/hook"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    return hook, httpd, thread
