"""Email and webhook channels: render a report, then hand it to the transport."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..engine.masking import current_masker
from ._email_render import render_email
from ._smtp import send_email, warn_plaintext_login
from ._webhook import build_payload, post_json
from .base import ReportChannel, ReportContent
from .email_config import HTMLEmailStyle, SMTPConfig
from .webhook_config import WebhookConfig, sensitive_header_values

if TYPE_CHECKING:
    from ..model.execution_report import ProcessExecutionReport

__all__ = ["EmailChannel", "WebhookChannel"]


class EmailChannel(ReportChannel):
    """Sends the report as one email: an HTML part (palette, language) and a plain-text part.

    ``style`` defaults to ``HTMLEmailStyle()`` (neutral, English), ``content`` to
    ``ReportContent()`` (traceback and traced variables shown).
    """

    def __init__(
        self,
        smtp_config: SMTPConfig,
        style: HTMLEmailStyle | None = None,
        content: ReportContent | None = None,
    ) -> None:
        warn_plaintext_login(smtp_config, stacklevel=2)
        self.smtp_config = smtp_config
        self.style = style if style is not None else HTMLEmailStyle()
        self.content = content if content is not None else ReportContent()

    def send_report(self, report: ProcessExecutionReport, *, errors_only: bool) -> None:
        """Render and send ``report``; with ``errors_only`` only failed tasks are listed.

        The summary counters always count every task of ``report``. Raises
        ReportDeliveryError (an OSError) when the server cannot be reached or refuses.
        Secret values, the SMTP password among them, are masked in both parts.
        """
        credentials = self.smtp_config.credentials
        masker = current_masker().with_values(credentials[1] if credentials else None)
        report = report.masked(masker)
        email = render_email(report, self.style, self.content, errors_only=errors_only)
        send_email(self.smtp_config, email)

    def __repr__(self) -> str:
        return f"EmailChannel({self.smtp_config!r}, style={self.style!r}, content={self.content!r})"


class WebhookChannel(ReportChannel):
    """POSTs the report as generic JSON, signed with ``X-Signature-SHA256`` when a secret is set."""

    def __init__(self, webhook_config: WebhookConfig, content: ReportContent | None = None) -> None:
        self.webhook_config = webhook_config
        self.content = content if content is not None else ReportContent()

    def send_report(self, report: ProcessExecutionReport, *, errors_only: bool) -> None:
        """POST ``report`` (only its failures with ``errors_only``); raises on a non-2xx reply.

        Secret values, the webhook secret and credential-like header values among
        them, are masked in the body.
        """
        config = self.webhook_config
        masker = current_masker().with_values(config.secret, *sensitive_header_values(config))
        report = report.masked(masker)
        if not config.timeout or config.timeout <= 0:
            got = config.timeout
            raise ValueError(f"WebhookConfig.timeout must be a positive number of seconds: {got!r}")
        post_json(config, build_payload(report, config, self.content, errors_only=errors_only))

    def __repr__(self) -> str:
        return f"WebhookChannel({self.webhook_config!r}, content={self.content!r})"
