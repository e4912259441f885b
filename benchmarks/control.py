"""What the officers' checks cost and what a flood does to the audit table, run by hand
(`.venv/bin/python -m benchmarks.control`).

Prints: a PIN check (scrypt, n=2^14 r=8 p=1) in ms, median of `--checks`; the account-and-role check the lane
makes for every command (`lane.officers.authorise`, one indexed read) in microseconds, median of 2,000; and a flood
of `--junk` commands with a made-up session token (each with 500-character reason, plate and receipt) sent on one
connection to a running command socket: how long it took, how many answers were refusals by the rate limit, and
how many audit rows and bytes it added (before these limits: 1,178 such commands added 4.5 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from lane import control
from lane.clock import Clock
from lane.commands import Action, Command, Outcome
from lane.officers import Officers, Role, authorise, check_pin, hash_pin
from lane.store import Stamp, Store

ROOT = Path(__file__).resolve().parent.parent


class Served:
    """The command socket's view of a site, with lanes that accept anything: only the socket's work is timed."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store, self.clock, self.officers = store, clock, Officers(store)

    async def execute(self, cmd: Command) -> Outcome:
        return Outcome(True, "done")

    def audit(self, lane: str, operator: str, action: str, args: dict[str, Any], result: str, message: str) -> None:
        stamp = Stamp(self.clock.wall(), self.clock.monotonic())
        self.store.operator_action(lane, None, stamp, operator, action, args, result, message)


async def flood(db: Path, junk: int) -> tuple[float, int, int, int]:
    store = Store(db, durable=True)
    site = Served(store, Clock(asyncio.get_running_loop()))
    server = control.ControlServer(control.socket_path(db), site)
    await server.start()
    try:
        reader, writer = await asyncio.open_unix_connection(str(control.socket_path(db)))
        request = {
            "op": "command",
            "token": "x" * 43,
            "lane": "L1",
            "action": Action.ABORT.value,
            "reason": "z" * 500,
            "plate": "p" * 500,
            "receipt": "r" * 500,
        }
        lines = b"".join(json.dumps({**request, "n": n}).encode() + b"\n" for n in range(junk))
        started = time.perf_counter()

        async def send() -> None:
            writer.write(lines)
            await writer.drain()

        async def answers() -> list[Any]:
            return [json.loads(await reader.readline()) for _ in range(junk)]

        got = (await asyncio.gather(send(), answers()))[1]
        took = time.perf_counter() - started
        writer.close()
        await writer.wait_closed()
        await asyncio.sleep(0.1)  # the summary row is written as the connection closes
        limited = sum("too many requests" in a["message"] for a in got)
        size = "length(args) + length(message) + length(operator) + length(action) + length(lane) + 60"
        rows = store.db.execute(f"select count(*), coalesce(sum({size}), 0) from operator_actions").fetchone()
        return took, limited, int(rows[0]), int(rows[1])
    finally:
        await server.stop()
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=20)
    parser.add_argument("--junk", type=int, default=2000)
    args = parser.parse_args()
    stored = hash_pin("246810")
    times = []
    for _ in range(args.checks):
        t = time.perf_counter()
        check_pin("246810", stored)
        times.append(time.perf_counter() - t)
    print(f"PIN check (scrypt): median {statistics.median(times) * 1000:.1f} ms over {args.checks}")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "lane.db", durable=False)
        Officers(store).ensure("op-1", Role.OPERATOR)
        times = []
        for _ in range(2000):
            t = time.perf_counter()
            authorise(store, "op-1", Action.CONFIRM, paid=False)
            times.append(time.perf_counter() - t)
        store.close()
        print(f"account and role check per command: median {statistics.median(times) * 1e6:.0f} us over 2000")
        took, limited, rows, size = asyncio.run(flood(Path(tmp) / "flood.db", args.junk))
    print(
        f"{args.junk} junk commands on one connection: {took:.2f} s, {limited} refused by the rate limit, "
        f"{rows} audit rows added, about {size / 1024:.1f} KiB"
    )


if __name__ == "__main__":
    main()
