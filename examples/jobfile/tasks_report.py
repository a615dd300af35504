"""Python tasks next to the job file: one feeds it, one takes its result by parameter name."""

from __future__ import annotations

from pathlib import Path


def task_corpus_dir() -> Path:
    return Path(__file__).parent / "corpus"


def task_report(top_words: list[tuple[str, int]]) -> None:
    for word, count in top_words:
        print(f"{count:3}  {word}")
    assert top_words, "the corpus has no words of 4 letters or more"
