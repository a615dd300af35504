"""Plain functions that know nothing of pytest: the job file ``tasks_words.yaml`` calls them."""

from __future__ import annotations

import collections
import re
from pathlib import Path


def check_corpus(folder: Path, pattern: str) -> int:
    """Fail early when there is nothing to read; the number of files otherwise."""
    files = sorted(folder.glob(pattern))
    if not files:
        raise FileNotFoundError(f"no {pattern} files in {folder}")
    return len(files)


def read_texts(folder: Path, pattern: str) -> dict[str, str]:
    """Each file's text, by file name."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob(pattern))}


def count_words(texts: dict[str, str], min_length: int = 1) -> dict[str, int]:
    """How often each word (lower-cased, at least ``min_length`` letters) occurs in all texts."""
    words = (w for text in texts.values() for w in re.findall(r"[a-z']+", text.lower()))
    return dict(collections.Counter(w for w in words if len(w) >= min_length))


def most_common(counts: dict[str, int], n: int) -> list[tuple[str, int]]:
    """The ``n`` most frequent words, most frequent first (ties in alphabetical order)."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
