"""Device figures, run by hand (`.venv/bin/python -m benchmarks.devices [--quick]`):

1. round-trip time of a status query over a pseudo-terminal at 9600 and 115200 baud, against the line's own limit
   (the bits of request and answer on the wire divided by the baud rate, 10 bits a byte at 8N1): the printer's
   `Rst` -> `READY` and the I/O module's read of its discrete inputs (Modbus RTU, function 2). A pseudo-terminal
   moves bytes at memory speed whatever its baud rate, so each is measured twice: "unpaced" (what the software
   costs) and "paced" (the simulator holds each request and answer for its time on a real line at that rate);
2. time from "exit loop clear and safety loop clear" to the close command on the wire: the lane's steps
   (`lane.stages.pass_and_close`: wait for the loop, wait for the safety loop, close) on the Modbus devices
   against the simulated I/O module, timed by the simulator's own clock from the moment both loops were clear to
   the close coil's rising edge. It is dominated by the input poll interval (`io_map.poll`).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from devices import registry
from devices.codecs.iomap import IOMap
from devices.modbus_io import ModbusIOModule
from devices.printer_evolis import EvolisPrinter
from devices.sim.launcher import SimProcesses
from devices.sim.world_client import WorldClient
from devices.transport import LinkSettings

ROOT = Path(__file__).resolve().parent.parent

RST_BYTES = len(b"\x1bRst\r") + len(b"READY\r")  # 11
MODBUS_READ_BYTES = 8 + 6  # read 8 discrete inputs: request 8 bytes, answer 6


class RealTime:
    def monotonic(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def _stats(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {"median": statistics.median(s), "p95": s[int(0.95 * (len(s) - 1))], "min": s[0], "max": s[-1]}


async def _rtts(urls: dict[str, str], baud: int, n: int) -> dict[str, list[float]]:
    tb = RealTime()
    printer = EvolisPrinter("bench.printer", tb, LinkSettings(urls["printer"], baud, timeout=1.0))
    module = ModbusIOModule("bench.io", tb, LinkSettings(urls["io"], baud, timeout=1.0), IOMap(poll=5.0))
    await printer.start()
    await module.start()
    out: dict[str, list[float]] = {"printer Rst": [], "io read inputs": []}
    try:
        for _ in range(5):  # warm up
            await printer.query("Rst")
            await module.read()
        for _ in range(n):
            t = time.perf_counter()
            await printer.query("Rst")
            out["printer Rst"].append(time.perf_counter() - t)
            t = time.perf_counter()
            await module.read()
            out["io read inputs"].append(time.perf_counter() - t)
    finally:
        await printer.stop()
        await module.stop()
    return out


def round_trips(n: int) -> list[str]:
    lines = ["1. status query round trip over a pseudo-terminal (ms; line limit = bytes x 10 bits / baud)"]
    head = ("query", "baud", "mode", "limit", "median", "p95", "min", "x limit")
    lines.append("   {:16} {:>6} {:8} {:>7} {:>7} {:>7} {:>7} {:>8}".format(*head))
    for baud in (9600, 115200):
        for paced in (False, True):
            with tempfile.TemporaryDirectory() as tmp:
                sims = SimProcesses(
                    ["B1"],
                    link="pty",
                    run_dir=Path(tmp),
                    cards_dir=Path(tmp) / "cards",
                    kinds=("io", "printer"),
                    pace_baud=baud if paced else None,
                )
                with sims as lanes:
                    urls = lanes["B1"].urls
                    rtts = asyncio.run(_rtts(urls, baud, n))
            for name, nbytes in (("printer Rst", RST_BYTES), ("io read inputs", MODBUS_READ_BYTES)):
                limit = nbytes * 10 / baud
                s = _stats(rtts[name])
                mode = "paced" if paced else "unpaced"
                lines.append(
                    f"   {name:16} {baud:>6} {mode:8} {limit * 1e3:7.2f} {s['median'] * 1e3:7.2f} "
                    f"{s['p95'] * 1e3:7.2f} {s['min'] * 1e3:7.2f} {s['median'] / limit:8.2f}"
                )
    return lines


async def _close_latency(options: dict[str, Any], n: int) -> list[float]:
    devices = registry.build("serial", "B1", RealTime(), **options, gate_timeout=5.0)
    world: WorldClient = devices.world
    await world.start()
    for device in devices.all():
        await device.start()
    gate, loop, safety = devices.exit_gate, devices.exit_loop, devices.exit_safety
    try:
        for _ in range(n):
            await gate.open()
            world.exit_safety.set(True)
            world.exit_loop.set(True)
            await loop.wait_for(True, 2.0)
            await asyncio.sleep(0.05)
            world.exit_safety.set(False)
            await asyncio.sleep(0.02)
            world.exit_loop.set(False)  # from now both are clear; the simulator notes the time
            # the lane's steps (lane.stages.pass_and_close):
            await loop.wait_for(False)
            await safety.wait_for(False)
            await gate.close()
        state = await world.state("io")
        assert state["violations"] == [] and state["hits"] == 0
        latencies: list[float] = state["close_latency"]["exit"]
        return latencies
    finally:
        await asyncio.gather(*(d.stop() for d in devices.all()))
        await world.stop()


def close_latency(n: int) -> list[str]:
    lines = ["2. 'exit loop clear and safety loop clear' -> close command on the wire (ms, simulator's clock)"]
    for link, baud, poll in (("pty", 19200, 0.05), ("pty", 19200, 0.02), ("tcp", 19200, 0.05)):
        with tempfile.TemporaryDirectory() as tmp:
            io_map = IOMap(poll=poll)
            sims = SimProcesses(
                ["B1"],
                link=link,
                run_dir=Path(tmp),
                cards_dir=Path(tmp) / "cards",
                extra={"io": {"gate_travel": 0.2}},
                io_map=io_map,
            )
            with sims as lanes:
                options = lanes["B1"].backend_options() | {"io_baudrate": baud}
                s = _stats(asyncio.run(_close_latency(options, n)))
        lines.append(
            f"   {link} {baud} baud, poll {poll * 1e3:.0f} ms: median {s['median'] * 1e3:.1f}, "
            f"p95 {s['p95'] * 1e3:.1f}, max {s['max'] * 1e3:.1f} (n={n})"
        )
    return lines


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="fewer samples")
    args = p.parse_args()
    n_rtt, n_close = (50, 10) if args.quick else (300, 40)
    t = time.perf_counter()
    print("\n".join(round_trips(n_rtt)) + "\n", flush=True)
    print("\n".join(close_latency(n_close)), flush=True)
    print(f"\n({time.perf_counter() - t:.0f} s on {Path('/proc/cpuinfo').read_text().count('processor')} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
