"""A layered (Sugiyama-style) layout of a dependency graph, left to right.

Layers by longest path; an edge that spans several layers goes through one virtual
node per layer it crosses, so it is drawn through a slot of its own between the boxes;
barycenter sweeps reduce crossings. Segments between layers lie in the gap between
columns and segments inside a column run through a virtual node's slot, so no edge
passes through a box that is not one of its ends.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["Layout", "layered_layout", "longest_path_layers"]

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 190.0, 38.0, 60.0, 12.0, 16.0
#: height of the slot an edge takes through a column it crosses
LANE_H = 6.0
SWEEPS = 4


@dataclass
class Layout:
    """Boxes (top-left corners, all ``BOX_W`` x ``BOX_H``) and edge polylines of a graph."""

    boxes: dict[str, tuple[float, float]] = field(default_factory=dict)
    edges: list[tuple[str, str, list[tuple[float, float]]]] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0


def longest_path_layers(nodes: Iterable[str], ups: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Longest-path layer of each node (roots at 0); a cycle cannot hang it."""
    layer: dict[str, int] = {}
    for root in nodes:
        if root in layer:
            continue
        stack, onstack = [root], {root}
        while stack:  # iterative DFS: deep chains must not hit the recursion limit
            name = stack[-1]
            todo = [d for d in ups.get(name, ()) if d not in layer and d not in onstack]
            if todo:
                stack.append(todo[0])
                onstack.add(todo[0])
                continue
            stack.pop()
            onstack.discard(name)
            layer[name] = 1 + max((layer.get(d, -1) for d in ups.get(name, ())), default=-1)
    return layer


def _chains(
    edges: Sequence[tuple[str, str]], layer: dict[str, int], columns: list[list[str]]
) -> list[tuple[str, str, list[str]]]:
    """Each forward edge as the list of nodes it passes, virtual ones added in between."""
    chains = []
    for k, (up, down) in enumerate(edges):
        lo, hi = layer[up], layer[down]
        if hi <= lo:  # a back edge (only from a cyclic input): not drawn
            continue
        path = [up]
        for c in range(lo + 1, hi):
            virtual = f"\0{k}:{c}"
            columns[c].append(virtual)
            path.append(virtual)
        chains.append((up, down, [*path, down]))
    return chains


def _sweep(columns: list[list[str]], nbrs: dict[str, list[str]], forward: bool) -> None:
    """Reorder each column by the mean position of its neighbours in the column before it."""
    order = range(1, len(columns)) if forward else range(len(columns) - 2, -1, -1)
    for c in order:
        ref = columns[c - 1] if forward else columns[c + 1]
        pos = {n: i for i, n in enumerate(ref)}
        keyed = []
        for i, name in enumerate(columns[c]):
            near = [pos[n] for n in nbrs[name] if n in pos]
            keyed.append((sum(near) / len(near) if near else float(i), i, name))
        columns[c] = [name for _, _, name in sorted(keyed)]


def _crossings(columns: list[list[str]], nbrs: dict[str, list[str]]) -> int:
    """How many pairs of edges cross between each column and the next (counted as inversions)."""
    total = 0
    for left, right in itertools.pairwise(columns):
        pos = {n: i for i, n in enumerate(right)}
        ends = [p for n in left for p in sorted(pos[m] for m in nbrs[n] if m in pos)]
        tree = [0] * (len(right) + 1)  # Fenwick tree: how many ends seen at or below a position
        for seen, p in enumerate(ends):
            below, i = 0, p + 1
            while i:
                below, i = below + tree[i], i & (i - 1)
            total += seen - below  # earlier edges that end further down: each one crosses
            i = p + 1
            while i <= len(right):
                tree[i], i = tree[i] + 1, i + (i & -i)
    return total


def _ordered(columns: list[list[str]], nbrs: dict[str, list[str]]) -> list[list[str]]:
    """The columns after a few barycenter sweeps down and up: the order with fewest crossings."""
    best, fewest = [list(c) for c in columns], _crossings(columns, nbrs)
    for _ in range(SWEEPS):
        if not fewest:
            break
        _sweep(columns, nbrs, forward=True)
        _sweep(columns, nbrs, forward=False)
        count = _crossings(columns, nbrs)
        if count < fewest:
            best, fewest = [list(c) for c in columns], count
    return best


def _place(columns: list[list[str]], nbrs: dict[str, list[str]]) -> dict[str, float]:
    """Top of each node: in column order, as near its left neighbours' mean height as fits."""
    top: dict[str, float] = {}
    for col in columns:
        floor = PAD
        for name in col:
            h = LANE_H if name.startswith("\0") else BOX_H
            near = [top[n] + _height(n) / 2 for n in nbrs[name] if n in top]
            want = sum(near) / len(near) - h / 2 if near else floor
            top[name] = max(want, floor)
            floor = top[name] + h + GAP_Y
    return top


def _height(name: str) -> float:
    return LANE_H if name.startswith("\0") else BOX_H


def layered_layout(nodes: Sequence[str], edges: Sequence[tuple[str, str]]) -> Layout:
    """The layout of ``nodes`` and ``edges`` (upstream, downstream); other edges are dropped."""
    known = set(nodes)
    edges = list(dict.fromkeys((u, d) for u, d in edges if u in known and d in known and u != d))
    ups: dict[str, list[str]] = {n: [] for n in nodes}
    for up, down in edges:
        ups[down].append(up)
    layer = longest_path_layers(nodes, ups)
    if not nodes:
        return Layout()
    columns: list[list[str]] = [[] for _ in range(max(layer.values()) + 1)]
    for name in nodes:
        columns[layer[name]].append(name)
    chains = _chains(edges, layer, columns)
    nbrs: dict[str, list[str]] = {n: [] for col in columns for n in col}
    for _, _, path in chains:
        for a, b in itertools.pairwise(path):
            nbrs[a].append(b)
            nbrs[b].append(a)
    columns = _ordered(columns, nbrs)
    top = _place(columns, nbrs)
    x = {n: PAD + c * (BOX_W + GAP_X) for c, col in enumerate(columns) for n in col}
    out = Layout(boxes={n: (x[n], top[n]) for n in nodes})
    for up, down, path in chains:
        points = [(x[up] + BOX_W, top[up] + BOX_H / 2)]
        for v in path[1:-1]:
            mid = top[v] + LANE_H / 2
            points += [(x[v], mid), (x[v] + BOX_W, mid)]
        points.append((x[down], top[down] + BOX_H / 2))
        out.edges.append((up, down, points))
    out.width = PAD * 2 + len(columns) * BOX_W + (len(columns) - 1) * GAP_X
    out.height = max((top[n] + _height(n) for n in top), default=0.0) + PAD
    return out
