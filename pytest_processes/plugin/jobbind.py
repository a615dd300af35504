"""Binding a job's ``args`` and ``inputs`` to its function's signature, every mismatch named.

For a class (``call: etl.LoadRows``), ``args`` go to its constructor and
``inputs`` (and injection by name) to the parameters of its ``run`` method.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from yaml.nodes import Node

from ..api.classes import ClassTask, ClassTaskError, constructor_signature, run_method
from ..engine.topology import closest
from .jobcall import JobCall
from .jobyaml import YamlReader

__all__ = ["bind"]


def bind(
    reader: YamlReader,
    task: str,
    node: Node,
    target: Any,
    args: Mapping[str, tuple[Node, Any]],
    inputs: Mapping[str, tuple[Node, object]],
) -> JobCall | None:
    """The call with ``args`` bound; its signature lists the parameters left to inject.

    A callable whose parameters cannot be read (some builtins) takes ``args``
    and ``inputs`` as given, and nothing else.
    """
    path = str(getattr(node, "value", ""))
    if isinstance(target, type):  # a class task: args go to the constructor
        target = _class_task(reader, task, node, path, target, args)
        if target is None:
            return None
        args = {}
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        signature = inspect.Signature([inspect.Parameter("kw", inspect.Parameter.VAR_KEYWORD)])
    params = signature.parameters
    ok = _given_fit(reader, task, path, params, args, inputs)
    rest = [
        p
        for p in params.values()
        if p.name not in args
        and p.name not in inputs
        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    for p in rest:
        if p.kind is p.POSITIONAL_ONLY and p.default is p.empty:
            reader.problem(
                node,
                task,
                f"call: parameter '{p.name}' of {path} is positional-only, so "
                "nothing can be passed to it by name; wrap the function",
            )
            ok = False
    if not ok:
        return None
    bound = {param: value for param, (_, value) in args.items()}
    return JobCall(target, signature.replace(parameters=rest), path, bound)


def _class_task(
    reader: YamlReader,
    task: str,
    node: Node,
    path: str,
    klass: type,
    args: Mapping[str, tuple[Node, Any]],
) -> ClassTask | None:
    """``klass`` built from ``args`` at run time; its ``run`` parameters are left to inject."""
    try:
        params = constructor_signature(klass).parameters
        run_method(klass)
    except ClassTaskError as exc:
        reader.problem(node, task, f"call: {exc}")
        return None
    if not _given_fit(reader, task, path, params, args, {}):
        return None
    try:
        return ClassTask(klass, {param: value for param, (_, value) in args.items()})
    except ClassTaskError as exc:  # a constructor argument left without a value
        reader.problem(node, task, f"call: {exc}")
        return None


def _given_fit(
    reader: YamlReader,
    task: str,
    path: str,
    params: Mapping[str, inspect.Parameter],
    args: Mapping[str, tuple[Node, Any]],
    inputs: Mapping[str, tuple[Node, object]],
) -> bool:
    """True if every key of ``args`` and ``inputs`` names a parameter passable by name, once."""
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    named = [n for n, p in params.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    ok = True
    given: tuple[tuple[str, Mapping[str, tuple[Node, object]]], ...] = (
        ("args", args),
        ("inputs", inputs),
    )
    for where, keys in given:
        for param, (knode, _) in keys.items():
            found = params.get(param)
            if found is None and not takes_any:
                hint = closest(param, named)
                reader.problem(
                    knode,
                    task,
                    f"{where}: '{param}' is not a parameter of {path}({', '.join(named)})"
                    + (f"; did you mean '{hint[0]}'?" if hint else ""),
                )
                ok = False
            elif found is not None and found.kind is found.POSITIONAL_ONLY:
                reader.problem(
                    knode,
                    task,
                    f"{where}: '{param}' of {path} is positional-only; it cannot be given by name",
                )
                ok = False
            elif where == "inputs" and param in args:
                reader.problem(
                    knode,
                    task,
                    f"inputs: '{param}' is also given in args (line "
                    f"{args[param][0].start_mark.line + 1}); keep one",
                )
                ok = False
    return ok
