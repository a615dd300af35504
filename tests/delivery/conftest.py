"""Fixtures of the delivery tests: task files, loopback SMTP/HTTP servers, a private CA.

The SMTP servers are the channel tests' aiosmtpd helpers (``tests/channels``);
the CA is a trustme CA written to a file, handed to the plugin through
``PYTEST_PROCESSES_SMTP_CA_FILE`` as a user with a private CA would.
"""

from __future__ import annotations

import http.server
import ssl
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import trustme
from delivery_helpers import GREEN, PROCESS_NAME, RED, Hook, PrivateCA, RunProcesses
from loopback_servers import TLS, SMTPServer, start_smtp

from pytest_processes.plugin.delivery_options import (
    ENV_CA_FILE,
    ENV_SMTP_PASSWORD,
    ENV_SMTP_USER,
    ENV_WEBHOOK_SECRET,
)


@pytest.fixture
def run_processes(pytester: pytest.Pytester) -> RunProcesses:
    """``run_processes(*args)``: ``pytest --processes -o processes_name=nightly-etl *args``."""

    def run(*args: str) -> pytest.RunResult:
        return pytester.runpytest("--processes", "-o", f"processes_name={PROCESS_NAME}", *args)

    return run


@pytest.fixture
def red(pytester: pytest.Pytester) -> None:
    """A run where ``transform`` fails and ``load`` is skipped: exit code 1."""
    pytester.makepyfile(tasks_etl=RED)


@pytest.fixture
def green(pytester: pytest.Pytester) -> None:
    """A run where every task passes: exit code 0."""
    pytester.makepyfile(tasks_etl=GREEN)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No delivery secret from the outer environment, and no proxy for loopback requests."""
    for name in (ENV_SMTP_USER, ENV_SMTP_PASSWORD, ENV_CA_FILE, ENV_WEBHOOK_SECRET):
        monkeypatch.delenv(name, raising=False)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)


@pytest.fixture(scope="session")
def private_ca(tmp_path_factory: pytest.TempPathFactory) -> PrivateCA:
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    pem = tmp_path_factory.mktemp("ca") / "private-ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    return PrivateCA(TLS(server, client), pem)


@pytest.fixture
def smtp_server(private_ca: PrivateCA) -> Iterator[Callable[..., SMTPServer]]:
    """``smtp_server(mode="plain"|"starttls"|"smtps", auth=False, host="127.0.0.1")``."""
    controllers: list[Any] = []

    def start(mode: str = "plain", *, auth: bool = False, host: str = "127.0.0.1") -> SMTPServer:
        server, controller = start_smtp(
            private_ca.tls, mode, auth=auth, echo_password=False, host=host
        )
        controllers.append(controller)
        return server

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def hook_server() -> Iterator[Hook]:
    """A ThreadingHTTPServer on 127.0.0.1:<free port> answering every POST with ``status``."""
    hook = Hook("", [])

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            hook.files_seen.append([p.is_file() for p in hook.watch])
            hook.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            hook.headers.append({k.lower(): v for k, v in self.headers.items()})
            payload = b'{"error": "boom"}' if hook.status >= 400 else b""
            self.send_response(hook.status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    hook.url = f"http://127.0.0.1:{httpd.server_address[1]}/hook"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield hook
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)
