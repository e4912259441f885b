"""Generated hostile inputs against every place the lane takes text or files from outside; not a test.

    .venv/bin/python -m benchmarks.hostile [--cases 100] [--seed 1] [--time-limit 15] [--memory-mb 2048]

The inputs and their targets are in benchmarks/hostile_corpus.py: config files, prompt templates, the registry
import, image files, the CSV and terminal writers; the issue's own cases by name, then `--cases` generated ones
per target. Each case runs in a worker process under an address-space limit (`--memory-mb`) and a time limit per
case: a case past the time limit is a hang (the worker is killed and a new one carries on). Prints the cases
run, the tracebacks, hangs and violations (each must be 0; exit 1 otherwise) and the peak memory of a worker
(ru_maxrss). tests/lane/test_hostile.py runs the same targets on Hypothesis's inputs.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys

from benchmarks.hostile_corpus import cases, run_case


def _worker(conn: mp.connection.Connection, memory_mb: int) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        job = conn.recv()
        if job is None:
            return
        status, detail = run_case(*job)
        conn.send((status, detail, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


class Workers:
    """One worker process at a time; a case past the time limit kills it and the next case gets a new one."""

    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.proc: mp.Process | None = None

    def run(self, target: str, data: bytes, limit: float) -> tuple[str, str, int]:
        if self.proc is None:
            self.conn, child = mp.Pipe()
            self.proc = mp.Process(target=_worker, args=(child, self.memory_mb), daemon=True)
            self.proc.start()
        self.conn.send((target, data))
        if self.conn.poll(limit):
            try:
                return self.conn.recv()  # type: ignore[no-any-return]
            except EOFError:
                pass
        self.proc.kill()
        self.proc.join()
        died = self.proc.exitcode
        self.proc = None
        return ("hang", f"over {limit:g} s", 0) if died == -9 else ("traceback", f"worker died ({died})", 0)

    def close(self) -> None:
        if self.proc is not None:
            self.conn.send(None)
            self.proc.join(5)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cases", type=int, default=100, help="generated cases per target (default 100)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--time-limit", type=float, default=15.0, help="seconds a case may take (default 15)")
    p.add_argument("--memory-mb", type=int, default=2048, help="a worker's address-space limit (default 2048)")
    args = p.parse_args()
    workers = Workers(args.memory_mb)
    counts: dict[str, int] = {}
    peak: dict[str, int] = {}
    bad: list[str] = []
    try:
        for target, name, data in cases(args.cases, args.seed):
            status, detail, rss = workers.run(target, data, args.time_limit)
            counts[status] = counts.get(status, 0) + 1
            peak[target] = max(peak.get(target, 0), rss)
            if status in ("traceback", "hang", "violation"):
                bad.append(f"  {status}: {target} {name}: {detail}")
            if not name.startswith("generated"):
                print(f"{target:9} {name:32} {status}: {detail[:90]}")
    finally:
        workers.close()
    total = sum(counts.values())
    print(f"cases run: {total} ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))})")
    for key in ("traceback", "hang", "violation"):
        print(f"{key}s: {counts.get(key, 0)}")
    print("\n".join(bad))
    print(
        f"peak memory of a worker (ru_maxrss): {max(peak.values()) / 1024:.0f} MB, address-space limit "
        f"{args.memory_mb} MB; by target: " + ", ".join(f"{t} {m / 1024:.0f}" for t, m in peak.items())
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
