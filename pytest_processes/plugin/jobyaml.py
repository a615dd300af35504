"""YAML plumbing for job files: composed nodes read with their line, every problem kept.

The document is composed (not loaded) with PyYAML's safe loader, so each key and
value keeps its line; values are built with the same safe constructor only once
their place is checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["STR_TAG", "YamlReader", "kind"]

STR_TAG = "tag:yaml.org,2002:str"


def kind(node: Node) -> str:
    """How ``node`` reads in a message: "a list", "int 3", "nothing (null)"..."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    try:
        value = yaml.SafeLoader("").construct_object(node)
    except Exception:  # a tag the safe loader refuses, a timestamp like 2024-13-45...
        return f"{node.value!r} tagged {node.tag}"
    return "nothing (null)" if value is None else f"{type(value).__name__} {value!r}"


class YamlReader:
    """Walks a composed YAML tree, keeping every node's line for the messages."""

    def __init__(self, path: Path, shown: str, search: tuple[Path, ...]) -> None:
        self.path = str(path)
        self.shown = shown
        self.search = search
        self._problems: list[tuple[int, str]] = []
        self._loader = yaml.SafeLoader("")

    def at(self, node: Node) -> str:
        return f"{self.shown}:{node.start_mark.line + 1}"

    @property
    def problems(self) -> list[str]:
        """Every problem found, in the order of their lines."""
        return [message for _, message in sorted(self._problems, key=lambda p: p[0])]

    def problem(self, node: Node, task: str | None, message: str) -> None:
        prefix = f"task '{task}': " if task else ""
        self._problems.append((node.start_mark.line, f"{self.at(node)}: {prefix}{message}"))

    def value(self, node: Node, task: str | None) -> tuple[bool, Any]:
        """(ok, the Python value of ``node``); a value the safe loader refuses is a problem."""
        try:
            return True, self._loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:
            self.problem(node, task, f"{exc.problem or exc}")
        except Exception as exc:  # a timestamp like 2024-13-45 (ValueError)...
            self.problem(node, task, f"{node.value!r} cannot be read: {exc}")
        self._loader = yaml.SafeLoader("")  # its state is undefined after a failure
        return False, None

    def mapping(self, node: Node, task: str | None, what: str) -> dict[str, tuple[Node, Node]]:
        """``{key: (key node, value node)}`` of a mapping (``<<`` merges applied), else {}."""
        if not isinstance(node, MappingNode):
            self.problem(node, task, f"{what} must be a mapping, got {kind(node)}")
            return {}
        try:
            self._loader.flatten_mapping(node)  # `<<: *defaults` merge keys
        except yaml.MarkedYAMLError as exc:
            self.problem(node, task, f"{what}: {exc.problem}")
            return {}
        out: dict[str, tuple[Node, Node]] = {}
        for key, value in node.value:
            if not (isinstance(key, ScalarNode) and key.tag == STR_TAG):
                self.problem(key, task, f"{what}: keys must be names, got {kind(key)}")
                continue
            out[key.value] = (key, value)  # merged keys come first: the task's own win
        return out

    def names(self, node: Node, task: str, what: str) -> list[tuple[str, Node]]:
        """A list of names (``needs``, ``locks``...), each with its node."""
        if not isinstance(node, SequenceNode):
            self.problem(node, task, f"{what} must be a list of names, got {kind(node)}")
            return []
        out: list[tuple[str, Node]] = []
        for entry in node.value:
            if isinstance(entry, ScalarNode) and entry.tag == STR_TAG and entry.value:
                out.append((entry.value, entry))
            else:
                self.problem(entry, task, f"{what}: entries must be names, got {kind(entry)}")
        return out

    def duplicates(self, node: Node, seen: set[int]) -> None:
        """A key given twice in one mapping is an error (YAML loaders keep the last one)."""
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, MappingNode):
            first: dict[Any, int] = {}
            for key, _ in node.value:
                if isinstance(key, ScalarNode) and key.value != "<<":
                    line = key.start_mark.line + 1
                    if key.value in first:
                        self.problem(
                            key,
                            None,
                            f"key '{key.value}' is given twice (first at line "
                            f"{first[key.value]}); keep one",
                        )
                    first.setdefault(key.value, line)
        if isinstance(node, (MappingNode, SequenceNode)):
            for child in node.value:
                for sub in child if isinstance(child, tuple) else (child,):
                    self.duplicates(sub, seen)
