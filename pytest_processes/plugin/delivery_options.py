"""The report delivery options: ``--processes-html``, email and webhook flags with their ini keys.

The SMTP login and the webhook secret are read only from the environment variables named here.
"""

from __future__ import annotations

import pytest

from ..comms.base import DEFAULT_OUTPUT_LINES
from ..comms.email_config import LANGUAGES, PALETTES
from .option_source import option_flag

__all__ = [
    "ENV_CA_FILE",
    "ENV_SMTP_PASSWORD",
    "ENV_SMTP_USER",
    "ENV_WEBHOOK_SECRET",
    "HELP",
    "NOTIFY",
    "SECURITY",
    "SMTPS_PORT",
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
    "email_output_lines": "lines of a failed task's captured stdout, stderr and log shown "
    f"under its traceback in the report email, the last ones (default: {DEFAULT_OUTPUT_LINES}; "
    "0: none)",
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
    "email_output_lines",
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
    "email_output_lines": "N",
    "webhook": "URL",
}


def add_delivery_options(group: pytest.OptionGroup, parser: pytest.Parser) -> None:
    """Register ``--processes-html`` and the email/webhook options with their ini keys."""
    group.addoption("--processes-html", dest="processes_html", metavar="PATH", help=HELP["html"])
    parser.addini("processes_html", HELP["html"], type="string", default="")
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
