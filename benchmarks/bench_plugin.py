"""Benchmark ``pytest --processes`` against plain pytest on the same machine, in one run.

Three scenarios, each measured as the wall time of a fresh ``pytest`` subprocess
(collection, run and reporting included), best of ``--repeat`` runs:

* **overhead**: 2,000 no-op tasks in 100 ``tasks_*.py`` files under
  ``pytest --processes``, against 2,000 trivial tests in 100 ``test_*.py`` files
  under plain ``pytest``. Target: at most 1.2x plain pytest's wall time.
* **10,000 tasks**: the same at 10,000 (500 files of 20, ``--large-files``): the
  graph a user builds from ``tasks_*.py`` at scale. Target: at most 1.2x.
* **parallel sleep**: 8 independent tasks sleeping 0.5 s each with 8 workers.
  Target: the run (pytest's own "in N s" figure) under 1.5 x 0.5 s = 0.75 s.

Usage::

    python benchmarks/bench_plugin.py [--repeat 3] [--files 100] [--per-file 20] [--large-files 500]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SLEEP = 0.5
WORKERS = 8


def write_suite(root: Path, files: int, per_file: int, kind: str) -> None:
    """``files`` modules of ``per_file`` no-op functions: tasks or tests."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    for f in range(files):
        if kind == "tasks":
            body = "".join(f"def task_t{f}_{i}():\n    return {i}\n\n" for i in range(per_file))
            (root / f"tasks_m{f}.py").write_text(body, encoding="utf-8")
        else:
            body = "".join(
                f"def test_t{f}_{i}():\n    assert {i} == {i}\n\n" for i in range(per_file)
            )
            (root / f"test_m{f}.py").write_text(body, encoding="utf-8")


def write_sleepers(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    body = "import time\n\n" + "".join(
        f"def task_sleep_{i}():\n    time.sleep({SLEEP})\n\n" for i in range(WORKERS)
    )
    (root / "tasks_sleep.py").write_text(body, encoding="utf-8")


def run_pytest(root: Path, *args: str) -> tuple[float, float, str]:
    """(wall seconds, pytest's reported seconds, last line) of one pytest subprocess."""
    cmd = [sys.executable, "-m", "pytest", "-q", *args]  # defaults: cache (and checkpoint) on
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr
    if proc.returncode != 0:
        raise SystemExit(
            f"pytest failed in {root} ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    found = re.search(r"in ([0-9.]+)s", last)
    return wall, float(found.group(1)) if found else float("nan"), last


def best(root: Path, repeat: int, *args: str) -> tuple[float, float, str]:
    runs = [run_pytest(root, *args) for _ in range(repeat)]
    return min(runs, key=lambda r: r[0])


def overhead(base: Path, files: int, per_file: int, repeat: int) -> list[tuple[float, float, str]]:
    """Best runs of ``files`` x ``per_file`` tasks under --processes, then as plain tests."""
    write_suite(base / "tasks", files, per_file, "tasks")
    write_suite(base / "tests", files, per_file, "tests")
    return [best(base / "tasks", repeat, "--processes"), best(base / "tests", repeat)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--per-file", type=int, default=20)
    parser.add_argument("--large-files", type=int, default=500, help="0 skips the 10k scenario")
    opts = parser.parse_args()
    sizes = [opts.files] + ([opts.large_files] if opts.large_files else [])
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        pairs = [overhead(base / f"s{f}", f, opts.per_file, opts.repeat) for f in sizes]
        write_sleepers(base / "sleep")
        sleep = best(base / "sleep", opts.repeat, "--processes", f"--processes-workers={WORKERS}")
    version = sys.version.split()[0]
    print(f"## pytest --processes vs plain pytest (Python {version}, best of {opts.repeat})\n")
    print("| scenario | wall s | pytest's own s | summary |")
    print("| --- | ---: | ---: | --- |")
    for f, (ours, plain) in zip(sizes, pairs, strict=True):
        n = f * opts.per_file
        print(
            f"| {n:,} no-op tasks, `pytest --processes` | {ours[0]:.2f} | {ours[1]:.2f} "
            f"| {ours[2]} |"
        )
        print(
            f"| {n:,} trivial tests, plain `pytest` | {plain[0]:.2f} | {plain[1]:.2f} "
            f"| {plain[2]} |"
        )
    label = f"{WORKERS} x {SLEEP} s sleep tasks, {WORKERS} workers"
    print(f"| {label} | {sleep[0]:.2f} | {sleep[1]:.2f} | {sleep[2]} |")
    print()
    for f, (ours, plain) in zip(sizes, pairs, strict=True):
        ratio = ours[0] / plain[0]
        verdict = "met" if ratio <= 1.2 else "NOT MET"
        print(
            f"- {f * opts.per_file:,} tasks: overhead <= 1.2x plain pytest: "
            f"{verdict} — {ratio:.2f}x"
        )
    limit = 1.5 * SLEEP
    verdict = "met" if sleep[1] < limit else "NOT MET"
    print(f"- {WORKERS} sleeps under {limit:.2f} s of run time: {verdict} — {sleep[1]:.2f} s")


if __name__ == "__main__":
    main()
