"""Fixtures for the channel tests: real loopback SMTP/HTTP servers and sample reports."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest
from aiosmtpd.controller import Controller
from loopback_servers import (
    TLS,
    HookServer,
    SilentServer,
    SMTPServer,
    build_entry,
    build_report,
    make_tls,
    start_hook_server,
    start_smtp,
)

from pytest_processes.execution_report import ProcessExecutionReport, TaskReportEntry


@pytest.fixture
def make_entry() -> Callable[..., TaskReportEntry]:
    """``make_entry(name, status, **fields)``."""
    return build_entry


@pytest.fixture
def report() -> ProcessExecutionReport:
    """One success, one failure (traceback + traced vars), one skip, one more success."""
    return build_report()


@pytest.fixture(scope="session")
def tls() -> TLS:
    return make_tls()


@pytest.fixture
def smtp_server(tls: TLS) -> Iterator[Callable[..., SMTPServer]]:
    """``smtp_server(mode="plain"|"starttls"|"smtps", auth=False, echo_password=False)``."""
    controllers: list[Controller] = []

    def start(
        mode: str = "plain",
        *,
        auth: bool = False,
        echo_password: bool = False,
        host: str = "127.0.0.1",
    ) -> SMTPServer:
        server, controller = start_smtp(
            tls, mode, auth=auth, echo_password=echo_password, host=host
        )
        controllers.append(controller)
        return server

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    """Accepts one connection and holds it open without sending the SMTP greeting."""
    stop, accepted = threading.Event(), threading.Event()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = int(listener.getsockname()[1])

    def serve() -> None:
        conn, _ = listener.accept()
        accepted.set()
        stop.wait(30)
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield SilentServer(port, accepted)
    stop.set()
    if not accepted.is_set():  # unblock accept()
        socket.create_connection(("127.0.0.1", port)).close()
    thread.join(5)
    listener.close()


@pytest.fixture
def hook_server() -> Iterator[HookServer]:
    """A ThreadingHTTPServer on 127.0.0.1:<free port> recording every POST."""
    hook, httpd, thread = start_hook_server()
    yield hook
    hook.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests must not go through a proxy configured in the environment."""
    for name in (
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
