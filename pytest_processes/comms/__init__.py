"""Report channels: where a finished run's report is delivered."""

from .base import ReportChannel, ReportContent, ReportDeliveryError
from .channels import EmailChannel, WebhookChannel
from .email_config import HTMLEmailStyle, SMTPConfig
from .webhook_config import WebhookConfig

__all__ = [
    "EmailChannel",
    "HTMLEmailStyle",
    "ReportChannel",
    "ReportContent",
    "ReportDeliveryError",
    "SMTPConfig",
    "WebhookChannel",
    "WebhookConfig",
]
