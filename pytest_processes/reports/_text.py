"""Text helpers shared by the report writers: ANSI stripping, XML-safe text, durations."""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from html import escape
from typing import Any

__all__ = [
    "encodable",
    "encodable_data",
    "format_duration",
    "format_epoch",
    "html_text",
    "seconds",
    "strip_ansi",
    "visible_text",
    "xml_visible_escape",
]

# CSI sequences (colours, cursor moves), OSC sequences (titles, hyperlinks) and
# the two-character escapes. Colour codes carry no information in a report.
_ANSI_RE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC ... BEL or ST
    r"|\x1b[@-Z\\-_]"  # other Fe escapes
)

# Everything XML 1.0 cannot hold (plus DEL), as pytest's bin_xml_escape does.
_XML_ILLEGAL_RE = re.compile(
    "[^\u0009\u000a\u000d\u0020-\u007e\u0080-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)

# Lone surrogates: what ``surrogateescape`` makes of undecodable bytes (U+DC80-U+DCFF),
# or broken UTF-16 halves. UTF-8 cannot encode them.
_SURROGATE_RE = re.compile("[\ud800-\udfff]")

# C0 controls except tab and newline, DEL and C1 controls: invisible or harmful in HTML/email.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _surrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, as surrogateescape keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def encodable(text: str) -> str:
    """``text`` that UTF-8 always encodes: lone surrogates shown as ``\\xe9`` / ``\\ud800``."""
    return _SURROGATE_RE.sub(_surrogate, text)


def encodable_data(data: Any) -> Any:
    """``data`` (JSON-like: dicts, lists, strings) with :func:`encodable` applied to every string.

    For bodies sent to other programs: strict JSON readers reject lone surrogates.
    """
    if isinstance(data, str):
        return encodable(data)
    if isinstance(data, dict):
        return {encodable_data(k): encodable_data(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [encodable_data(v) for v in data]
    return data


def visible_text(text: str) -> str:
    """``text`` for HTML and email: ANSI removed, other controls and surrogates shown escaped.

    Tab and newline stay; CRLF becomes a newline; any other control character
    (NUL, BEL, a lone ESC or CR...) appears as ``\\x00``, never raw.
    """
    text = encodable(strip_ansi(text)).replace("\r\n", "\n")
    return _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def html_text(value: object) -> str:
    """Any value as HTML text: escaped, with :func:`visible_text` applied (never a raw NUL)."""
    return escape(visible_text(str(value)), quote=True)


def strip_ansi(text: str) -> str:
    """``text`` without terminal escape sequences (colours would only show up as noise)."""
    return _ANSI_RE.sub("", text)


def xml_visible_escape(text: str) -> str:
    """``text`` with ANSI removed and XML-illegal characters shown as ``#x1B``, never dropped.

    Undecodable bytes and other lone surrogates are shown as by :func:`encodable`.
    """

    def _repl(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"#x{code:02X}" if code <= 0xFF else f"#x{code:04X}"

    return _XML_ILLEGAL_RE.sub(_repl, encodable(strip_ansi(text)))


def seconds(value: float | None) -> float:
    """A duration made safe for output: ``None``, NaN, infinite or negative become 0."""
    if value is None or not math.isfinite(value) or value < 0:
        return 0.0
    return float(value)


def format_duration(value: float | None) -> str:
    """Human-readable duration: ``850 ms``, ``12.35 s``, ``4m 07s``, ``1h 02m``."""
    secs = seconds(value)
    if secs < 1:
        return f"{secs * 1000:.0f} ms"
    if secs < 60:
        return f"{secs:.2f} s"
    minutes, rest = divmod(round(secs), 60)
    if minutes < 60:
        return f"{minutes}m {rest:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def format_epoch(value: float | None) -> str:
    """Epoch seconds as ISO-8601 UTC (``2026-06-22T10:04:05Z``), or ``""`` when unknown."""
    if value is None or not math.isfinite(value):
        return ""
    moment = datetime.fromtimestamp(value, tz=timezone.utc).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")
