"""``@pytest.mark.parametrize`` on task functions: task families for ``pytest --processes``.

A parametrized task function becomes one task per parameter set, named and
identified exactly as pytest names test instances (``build[dev]``): the marks
are fed to pytest's own ``Metafunc.parametrize``, so ids, ``ids=``,
``pytest.param(..., id=..., marks=...)`` and the ``pytest_make_parametrize_id``
hook behave as for tests. Pairing and fan-in downstream follow
:mod:`pytest_processes.api.families`; a task that only inherits a family's
parameter (``deploy(build, env)``) is expanded here, after collection.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import pytest

from ..api.families import Variant, value_id
from .compat import callspec_ids, callspecs, new_metafunc, parametrize

__all__ = ["Declared", "declared_variants"]


@dataclass(frozen=True)
class Declared:
    """The instances a task function declares: one variant and its pytest callspec each."""

    variants: tuple[Variant, ...]
    callspecs: tuple[Any, ...]


def declared_variants(module: pytest.Module, func: Any, name: str) -> Declared | None:
    """The instances ``@pytest.mark.parametrize`` declares on ``func``, or None if none.

    Raises ``module.CollectError`` naming the task when a mark cannot apply
    (``indirect=``, ``scope=``, an argument the function does not take, ...).
    """
    marks = [m for m in getattr(func, "pytestmark", []) if m.name == "parametrize"]
    if not marks:
        return None
    definition, metafunc = new_metafunc(module, name, func)
    code = getattr(inspect.unwrap(func), "__code__", None)
    line = f":{code.co_firstlineno}" if code is not None else ""
    where = f"{module.path.name}{line}: task '{name}'"
    for mark in definition.iter_markers("parametrize"):
        for option in ("indirect", "scope"):
            if mark.kwargs.get(option):
                raise module.CollectError(
                    f"{where}: @pytest.mark.parametrize({option}=...) has no meaning for a "
                    f"task (task parameters are values, not fixtures); remove {option}="
                )
        try:
            parametrize(metafunc, mark)
        except (TypeError, ValueError) as exc:
            raise module.CollectError(f"{where}: @pytest.mark.parametrize: {exc}") from None
        except pytest.fail.Exception as exc:  # "In <nodeid>: function uses no argument 'y'"
            text = str(exc.msg)
            message = text.split(": ", 1)[-1] if text.startswith("In ") else text
            raise module.CollectError(f"{where}: @pytest.mark.parametrize: {message}") from None
    variants = []
    specs = callspecs(metafunc)
    for spec in specs:
        names = list(spec.params)
        idlist = callspec_ids(spec)
        ids = {
            # one parameter per mark: its pytest id; several: an id per value
            n: idlist[k]
            if len(names) == len(idlist)
            else value_id(spec.params[n], n, spec.indices[n])
            for k, n in enumerate(names)
        }
        variants.append(Variant(spec.id, dict(spec.params), ids))
    return Declared(tuple(variants), tuple(specs))
