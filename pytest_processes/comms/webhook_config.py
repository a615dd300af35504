"""Settings of a webhook the report is POSTed to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["WebhookConfig", "sensitive_header_values"]

# Header names whose values are credentials: masked in repr().
_SENSITIVE = ("authorization", "token", "key", "secret", "cookie", "signature", "password")


def _is_sensitive(header: str) -> bool:
    return any(s in header.lower() for s in _SENSITIVE)


def sensitive_header_values(config: WebhookConfig) -> list[str]:
    """Values of the credential-like headers (``Authorization``...), to mask in the body.

    ``Authorization: Bearer <token>`` contributes the token alone as well.
    """
    values = [v for k, v in config.headers.items() if _is_sensitive(k)]
    return values + [v.split(None, 1)[1] for v in values if " " in v.strip()]


@dataclass
class WebhookConfig:
    """URL, headers, timeout, optional HMAC secret and payload shaping of a webhook.

    ``nest_under`` wraps the report under that key; ``extra_payload`` is merged
    at the top level last (it wins on a key clash). The repr never shows the
    secret, credential-like header values, or the URL's query string.
    """

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 5
    secret: str | None = field(default=None, repr=False)
    extra_payload: dict[str, Any] = field(default_factory=dict)
    nest_under: str | None = None

    def __repr__(self) -> str:
        from ._webhook import safe_url

        headers = {k: ("***" if _is_sensitive(k) else v) for k, v in self.headers.items()}
        return (
            f"WebhookConfig(url={safe_url(self.url)!r}, headers={headers!r}, "
            f"timeout={self.timeout!r}, secret={'***' if self.secret else None!r}, "
            f"extra_payload={self.extra_payload!r}, nest_under={self.nest_under!r})"
        )
