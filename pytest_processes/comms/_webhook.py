"""The webhook payload (processes 7.0.4's keys) and its signed POST over stdlib urllib.

Body: ``{"process_name", "entries": {name: {status, function, elapsed_seconds,
attempts, result (repr, SUCCESS only), error (ERRORED only)}}}``, wrapped under
``nest_under`` when set, then ``extra_payload`` merged at the top level (it wins).
With a secret, ``X-Signature-SHA256`` is the hex HMAC-SHA256 of the exact body.
Redirects are not followed: urllib would resend a POST as a body-less GET.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..model.task_types import TaskStatus
from ..reports._text import encodable_data
from .base import ReportDeliveryError

if TYPE_CHECKING:
    from ..model.execution_report import ProcessExecutionReport, TaskReportEntry
    from .base import ReportContent
    from .webhook_config import WebhookConfig

__all__ = ["SIGNATURE_HEADER", "build_payload", "post_json", "sign"]

SIGNATURE_HEADER = "X-Signature-SHA256"
_BODY_PREVIEW = 300


def _task_payload(entry: TaskReportEntry, content: ReportContent) -> dict[str, Any]:
    item: dict[str, Any] = {
        "status": entry.status.value,
        "function": entry.function,
        "elapsed_seconds": entry.elapsed_seconds,
        "attempts": entry.attempts,
    }
    if entry.status is TaskStatus.SUCCESS:
        item["result"] = repr(entry.result)
    if entry.status is TaskStatus.ERRORED and entry.error is not None:
        error = entry.error
        detail: dict[str, Any] = {
            "exception": error.exception,
            "downstream_impact": list(error.downstream_impact),
        }
        if content.show_traceback:
            detail["traceback"] = error.traceback_str
        if content.show_traced_vars and error.traced_vars:
            detail["traced_vars"] = dict(error.traced_vars)
            detail["traced_vars_location"] = error.traced_vars_location
        item["error"] = detail
    return item


def build_payload(
    report: ProcessExecutionReport,
    config: WebhookConfig,
    content: ReportContent,
    *,
    errors_only: bool,
) -> dict[str, Any]:
    """The JSON document POSTed for ``report`` (processes' payload; ``interrupted`` added if so)."""
    entries = report.errored if errors_only else report.entries
    document: dict[str, Any] = {
        "process_name": report.process_name,
        "entries": {name: _task_payload(e, content) for name, e in entries.items()},
    }
    if report.interrupted:  # a stopped run says why, even with no entry to show
        document["interrupted"] = report.interrupted
    if config.nest_under:
        document = {config.nest_under: document}
    return {**document, **config.extra_payload}


def sign(secret: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``body`` keyed with ``secret``."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def safe_url(url: str) -> str:
    """``url`` without user info, query or fragment, for messages (they may hold tokens)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Turn a 3xx into an error instead of a silent body-less GET to the new place."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _fail(config: WebhookConfig, detail: str) -> ReportDeliveryError:
    message = f"webhook POST to {safe_url(config.url)} failed: {detail}"
    if config.secret:
        message = message.replace(config.secret, "***")
    return ReportDeliveryError(message)


def post_json(config: WebhookConfig, payload: dict[str, Any]) -> None:
    """POST ``payload`` as JSON (signed when a secret is set); non-2xx: ReportDeliveryError."""
    if urlsplit(config.url).scheme not in ("http", "https"):
        shown = safe_url(config.url)
        raise ValueError(f"WebhookConfig.url must be an http or https URL, got {shown!r}")
    body = json.dumps(encodable_data(payload)).encode("utf-8")  # no lone surrogate in it
    headers = {"Content-Type": "application/json", **config.headers}
    if config.secret is not None:
        headers[SIGNATURE_HEADER] = sign(config.secret, body)
    request = urllib.request.Request(config.url, data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(_NoRedirect)
    failure: ReportDeliveryError | None = None
    try:
        with opener.open(request, timeout=config.timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        preview = exc.read(_BODY_PREVIEW).decode("utf-8", "replace").strip()
        exc.close()
        said = f"; response: {preview!r}" if preview else ""
        failure = _fail(config, f"HTTP {exc.code} {exc.reason}{said}")
    except TimeoutError:
        failure = _fail(config, f"no answer within the {config.timeout:g}s timeout")
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            failure = _fail(config, f"no answer within the {config.timeout:g}s timeout")
        else:
            failure = _fail(config, f"{type(reason).__name__}: {reason}")
    except OSError as exc:
        failure = _fail(config, f"{type(exc).__name__}: {exc}")
    if failure is not None:  # raised outside the handlers: nothing chained can leak the secret
        raise failure
