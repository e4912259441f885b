"""Console figures, run by hand: the time one console refresh takes (read every lane from the store and redraw
the table and the detail) for a site of 8 lanes after a simulated day (goal: under 100 ms).

    .venv/bin/python -m benchmarks.console
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from lane.commands import Command, Outcome
from lane.config import load
from lane.console.app import open_console

ROOT = Path(__file__).resolve().parent.parent


class ReadOnly:
    """A console link that logs anyone in and sends nothing: only reading and drawing are measured."""

    def login(self, officer: str, pin: str) -> Outcome:
        return Outcome(True, "logged in")

    def send(self, cmd: Command) -> Outcome:
        return Outcome(False, "read-only benchmark")


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        db = Path(name) / "site.db"
        t0 = time.perf_counter()
        subprocess.run(
            [str(ROOT / ".venv/bin/lane"), "simulate", "--hours", "8", "--lanes", "8", "--db", str(db), "--fast-store"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        print(f"made a simulated 8-lane day in {time.perf_counter() - t0:.1f} s")
        config = load(ROOT / "config" / "site.toml")
        app = open_console(db, config, ReadOnly(), lambda: None, "bench", "no-pin")

        async def measure() -> tuple[list[float], list[float]]:
            reads, refreshes = [], []
            async with app.run_test(size=(160, 50)) as pilot:
                await pilot.pause()
                for _ in range(50):
                    t = time.perf_counter()
                    app.reader.snapshot()
                    reads.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    app.refresh_view()
                    await pilot.pause()  # let Textual lay out and render the update
                    refreshes.append(time.perf_counter() - t)
            return reads, refreshes

        reads, refreshes = asyncio.run(measure())
        lanes = len(app.snap.lanes) if app.snap else 0
        app.reader.close()
        for label, xs in (("store read", reads), ("refresh (read + redraw)", refreshes)):
            med, p95 = statistics.median(xs) * 1000, sorted(xs)[int(0.95 * len(xs))] * 1000
            print(f"{label}, {lanes} lanes: median {med:.1f} ms, p95 {p95:.1f} ms; goal 100 ms: ratio {med / 100:.2f}")


if __name__ == "__main__":
    main()
