"""Parametrized task families: one task per parameter set, named as pytest names test instances.

``@task(params={"env": ["dev", "prod"]})`` on ``build(env)`` makes the tasks
``build[dev]`` and ``build[prod]``; each receives its value as the parameter
``env``. Several names make the product (``build[dev-eu]``), as stacked
``@pytest.mark.parametrize`` decorators do. Ids follow pytest: str, int,
float, bool and None values as themselves, other values ``<argname><index>``,
duplicates numbered, and ``param(value, id="...")`` for an explicit id.

Downstream, a task receiving a family's result by parameter name gets:

* **paired**: if it has every parameter of that family (declared, or inherited
  by simply having a parameter of the same name), one instance per parameter
  set, each given the matching instance's result (``deploy[dev]`` <- ``build[dev]``);
* **fan-in**: otherwise, a dict of the results of every instance that agrees
  with it on the parameters they share, keyed by instance id (``{"dev": ...,
  "prod": ...}``).

:func:`expand_families` does this as a pure function over names and
parameter sets, so ``pytest --processes`` can feed it
``@pytest.mark.parametrize`` data (each ``callspec`` is a :class:`Variant`).
"""

from __future__ import annotations

import enum
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FamilyNode",
    "Link",
    "Param",
    "TaskSpec",
    "Variant",
    "expand_families",
    "param",
    "value_id",
    "variants_from_params",
]


@dataclass(frozen=True)
class Param:
    """One value of a family parameter with an explicit id (see :func:`param`)."""

    value: Any
    id: str | None = None


def param(value: Any, *, id: str | None = None) -> Param:
    """``value`` with the instance id ``id``, like ``pytest.param(value, id=...)``."""
    if id is not None and not isinstance(id, str):
        raise TypeError(f"param id must be a str, got {id!r}")
    return Param(value, id)


@dataclass(frozen=True)
class Variant:
    """One instance of a family: its id, and each family parameter's value and own id.

    Pairing compares the per-parameter ``ids``, never the values (which need
    not be hashable or comparable).
    """

    id: str
    values: Mapping[str, Any]
    ids: Mapping[str, str]


def value_id(value: Any, argname: str, index: int) -> str:
    """The id pytest would give ``value`` (``argname`` + ``index`` when it has none)."""
    if isinstance(value, str):
        return value.encode("unicode_escape").decode("ascii")
    if isinstance(value, bytes):
        return value.decode("ascii", "backslashreplace")
    if value is None or isinstance(value, (int, float, bool, complex)):
        return str(value)
    if isinstance(value, enum.Enum):
        return str(value)
    name = getattr(value, "__name__", None)
    if isinstance(name, str) and (isinstance(value, type) or callable(value)):
        return name
    return f"{argname}{index}"


def _unique(ids: list[str]) -> list[str]:
    """Number duplicate ids as pytest does (``a0``, ``a1``; ``x1_0`` after a digit)."""
    counts = Counter(ids)
    if len(counts) == len(ids):
        return ids
    taken = set(ids)
    suffixes: dict[str, int] = defaultdict(int)
    out = list(ids)
    for k, text in enumerate(ids):
        if counts[text] > 1:
            sep = "_" if text and text[-1].isdigit() else ""
            new = f"{text}{sep}{suffixes[text]}"
            while new in taken:
                suffixes[text] += 1
                new = f"{text}{sep}{suffixes[text]}"
            suffixes[text] += 1
            taken.add(new)
            out[k] = new
    return out


def variants_from_params(params: Mapping[str, Iterable[Any]]) -> list[Variant]:
    """The instances of ``@task(params=...)``: the product of the values, ids joined by ``-``."""
    axes: list[list[tuple[str, str, Any]]] = []
    for name, values in params.items():
        items = list(values)
        ids = [
            v.id
            if isinstance(v, Param) and v.id is not None
            else value_id(v.value if isinstance(v, Param) else v, name, k)
            for k, v in enumerate(items)
        ]
        raw = [v.value if isinstance(v, Param) else v for v in items]
        axes.append([(name, i, v) for i, v in zip(_unique(ids), raw, strict=True)])
    out = []
    for combo in itertools.product(*axes):
        out.append(
            Variant(
                "-".join(i for _, i, _ in combo),
                {n: v for n, _, v in combo},
                {n: i for n, i, _ in combo},
            )
        )
    return out


@dataclass(frozen=True)
class FamilyNode:
    """A task before expansion: its name, its parameter names, its declared instances if any."""

    name: str
    parameters: tuple[str, ...]
    variants: tuple[Variant, ...] | None = None


@dataclass(frozen=True)
class Link:
    """Parameter ``param`` receives the result of task ``task`` (under ``key`` in a fan-in dict)."""

    param: str
    task: str
    key: str = ""


@dataclass(frozen=True)
class TaskSpec:
    """A concrete task: its name, the node it comes from, its instance and its inputs."""

    name: str
    base: str
    variant: Variant | None = None
    links: tuple[Link, ...] = field(default=())


def instance_name(base: str, variant: Variant | None) -> str:
    """``build[dev]`` for an instance, ``build`` for a plain task."""
    return base if variant is None else f"{base}[{variant.id}]"


def _order(
    nodes: Mapping[str, FamilyNode], upstream: Mapping[str, list[tuple[str, str]]]
) -> list[str]:
    """Node names, each after the nodes it takes results from (cycles left to graph validation)."""
    order: list[str] = []
    state: dict[str, int] = {}
    for root in nodes:
        if state.get(root):
            continue
        state[root] = 1
        stack = [(root, iter(upstream[root]))]
        while stack:
            name, deps = stack[-1]
            nxt = next(deps, None)
            if nxt is None:
                stack.pop()
                state[name] = 2
                order.append(name)
            elif not state.get(nxt[1]):
                state[nxt[1]] = 1
                stack.append((nxt[1], iter(upstream[nxt[1]])))
    return order


def expand_families(
    nodes: Sequence[FamilyNode],
) -> tuple[list[TaskSpec], list[tuple[str, str]]]:
    """Concrete tasks for ``nodes`` (in the nodes' order), and every problem found.

    Problems are ``(node name, message)`` pairs, so callers can say where.

    A parameter whose lower-cased name is another node's name takes that
    node's result: paired or fan-in as the module docstring says. A node
    without declared instances that has a parameter named like a parameter of
    a family it takes results from inherits that parameter's values (from the
    first such family, in parameter order).
    """
    by_name = {n.name: n for n in nodes}
    upstream: dict[str, list[tuple[str, str]]] = {
        n.name: [
            (p, p.lower()) for p in n.parameters if p.lower() in by_name and p.lower() != n.name
        ]
        for n in nodes
    }
    resolved: dict[str, tuple[Variant, ...] | None] = {}
    problems: list[tuple[str, str]] = []
    for name in _order(by_name, upstream):
        resolved[name] = _variants_of(by_name[name], upstream[name], resolved)
    specs: list[TaskSpec] = []
    for node in nodes:
        variants = resolved.get(node.name)
        for variant in variants if variants is not None else (None,):
            links: list[Link] = []
            for p, up in upstream[node.name]:
                links.extend(_links(node.name, variant, p, up, resolved.get(up), problems))
            specs.append(
                TaskSpec(instance_name(node.name, variant), node.name, variant, tuple(links))
            )
    return specs, problems


def _variants_of(
    node: FamilyNode,
    ups: list[tuple[str, str]],
    resolved: Mapping[str, tuple[Variant, ...] | None],
) -> tuple[Variant, ...] | None:
    """Declared instances times the values inherited from upstream families."""
    declared = node.variants
    have = set(declared[0].ids) if declared else set()
    axes: list[list[tuple[str, str, Any]]] = []
    for p in node.parameters:
        if p in have or any(p == u[0] for u in ups):
            continue
        for _, up in ups:
            fam = resolved.get(up)
            if fam and p in fam[0].ids:
                seen: dict[str, Any] = {}
                for v in fam:
                    seen.setdefault(v.ids[p], v.values[p])
                axes.append([(p, i, value) for i, value in seen.items()])
                have.add(p)
                break
    if not axes:
        return declared
    base = list(declared) if declared else [Variant("", {}, {})]
    out = []
    for v in base:
        for combo in itertools.product(*axes):
            ids = [v.id] if v.id else []
            ids.extend(i for _, i, _ in combo)
            out.append(
                Variant(
                    "-".join(ids),
                    {**v.values, **{n: val for n, _, val in combo}},
                    {**v.ids, **{n: i for n, i, _ in combo}},
                )
            )
    return tuple(out)


def _links(
    name: str,
    variant: Variant | None,
    param_name: str,
    up: str,
    family: tuple[Variant, ...] | None,
    problems: list[tuple[str, str]],
) -> list[Link]:
    """What ``param_name`` of ``name``'s instance ``variant`` receives from node ``up``."""
    if not family:
        return [Link(param_name, up)]
    keys = list(family[0].ids)
    mine = variant.ids if variant is not None else {}
    shared = [k for k in keys if k in mine]
    matches = [w for w in family if all(w.ids[k] == mine[k] for k in shared)]
    if not matches:
        wanted = ", ".join(f"{k}={mine[k]}" for k in shared)
        have = ", ".join(instance_name(up, w) for w in family)
        problems.append(
            (
                name,
                f"task '{instance_name(name, variant)}' takes '{param_name}' from '{up}' with "
                f"{wanted}, but '{up}' has no such instance (it has: {have})",
            )
        )
        return []
    if len(shared) == len(keys):
        return [Link(param_name, instance_name(up, matches[0]))]
    return [Link(param_name, instance_name(up, w), w.id) for w in matches]
