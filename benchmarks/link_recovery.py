"""Link recovery after line noise, run by hand (`.venv/bin/python -m benchmarks.link_recovery [--reps 5]`).

One lane's I/O module, printer and sign simulators run as processes on loopback TCP (`socket://` URLs, as a
serial-to-Ethernet converter gives), and the lane's drivers talk to them with the serial backend's settings
(`devices.serial_backend`: 0.5 s answer timeout, 2 retries; 19200, 115200 and 9600 baud). Each repetition floods
every line with random bytes (`flood`, the simulators' fault injection) for 8 s while the lane keeps using the
devices (the I/O module polls its inputs every 50 ms; the printer's status and the sign are asked every 0.5 s),
then stops the noise and times, per device, from the noise stopping to the first correct answer: the inputs as
the simulated world has them, the printer's `READY`, a sign page acknowledged and shown. Prints the median and
maximum per device against the goal (under 5 s). `--link pty` runs the same over pseudo-terminals.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from devices.codecs.iomap import IOMap
from devices.errors import DeviceError
from devices.modbus_io import ModbusIOModule, ModbusLoop
from devices.printer_evolis import EvolisPrinter
from devices.sign_display import LedSign
from devices.sim.launcher import SimProcesses
from devices.sim.world_client import WorldClient
from devices.transport import LinkSettings

ROOT = Path(__file__).resolve().parent.parent

GOAL_S = 5.0
KINDS = ("io", "printer", "sign")


class RealTime:
    def monotonic(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def _first_answer(ask: Callable[[], Awaitable[bool]], since: float, limit: float) -> float:
    """Seconds from `since` to the first call of `ask` that answers correctly; `limit` when none did."""
    while time.monotonic() - since < limit:
        with contextlib.suppress(DeviceError):
            if await ask():
                return time.monotonic() - since
        await asyncio.sleep(0.02)
    return limit


async def _run(
    urls: dict[str, str], control: dict[str, str], reps: int, noise: float, rate: int, limit: float
) -> dict[str, list[float]]:
    tb = RealTime()
    module = ModbusIOModule("bench.io", tb, LinkSettings(urls["io"], 19200, timeout=0.5), IOMap())
    loop = ModbusLoop("bench.entry_loop", tb, module, "entry_loop")
    printer = EvolisPrinter("bench.printer", tb, LinkSettings(urls["printer"], 115200, timeout=0.5))
    sign = LedSign("bench.sign", tb, LinkSettings(urls["sign"], 9600, timeout=0.5))
    world = WorldClient("B1", control, tb)
    await world.start()
    for device in (loop, printer, sign):
        await device.start()

    async def io_right() -> bool:
        states = await module.read()
        return states["entry_loop"] is world.entry_loop.occupied and states["entry_down"]

    async def printer_right() -> bool:
        return await printer.check() == "READY"

    shown = ("", "")

    async def sign_right() -> bool:
        await sign.show(*shown)
        return bool((await world.state("sign"))["lines"] == list(shown))

    asks = {"io": io_right, "printer": printer_right, "sign": sign_right}
    out: dict[str, list[float]] = {kind: [] for kind in KINDS}
    try:
        for rep in range(reps):
            world.entry_loop.set(rep % 2 == 0)  # the answer must be today's, not a stale one
            shown = (f"Silakan maju {rep}", f"Please drive forward {rep}")
            await world.sync()
            for kind in KINDS:
                await world.faults(kind, flood=rate)
            end = time.monotonic() + noise
            while time.monotonic() < end:  # the lane keeps asking while the lines are noisy
                for ask in (printer_right, sign_right):
                    with contextlib.suppress(DeviceError):
                        await ask()
                await asyncio.sleep(0.5)
            for kind in KINDS:
                await world.faults(kind, flood=0)
            quiet = time.monotonic()
            times = await asyncio.gather(*(_first_answer(asks[kind], quiet, limit) for kind in KINDS))
            for kind, seconds in zip(KINDS, times, strict=True):
                out[kind].append(seconds)
            print(f"  repetition {rep + 1}: " + ", ".join(f"{k} {s:.2f} s" for k, s in zip(KINDS, times, strict=True)))
            await world.clear_faults()
            await asyncio.sleep(0.5)
    finally:
        for device in (loop, printer, sign):
            await device.stop()
        await world.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions (default 5)")
    parser.add_argument("--noise", type=float, default=8.0, help="seconds of line noise (default 8)")
    parser.add_argument("--rate", type=int, default=50_000, help="bytes a second of noise on each line")
    parser.add_argument("--limit", type=float, default=60.0, help="give up waiting for an answer after this")
    parser.add_argument("--link", choices=("tcp", "pty"), default="tcp", help="socket:// (default) or pseudo-terminals")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sims = SimProcesses(["B1"], link=args.link, run_dir=Path(tmp), cards_dir=Path(tmp) / "cards", kinds=KINDS)
        lanes = sims.start()
        try:
            line = "socket://" if args.link == "tcp" else "pseudo-terminal"
            print(
                f"link recovery: {args.noise:g} s of noise at {args.rate} B/s on each {line} line, "
                f"{args.reps} repetitions"
            )
            b1 = lanes["B1"]
            out = asyncio.run(_run(b1.urls, b1.control, args.reps, args.noise, args.rate, args.limit))
        finally:
            sims.stop()
    print(f"\nfrom the noise stopping to the first correct answer (goal: under {GOAL_S:g} s)")
    print(f"{'device':<10}{'median':>10}{'max':>10}  goal")
    for kind, samples in out.items():
        worst = max(samples)
        verdict = "met" if worst < GOAL_S else "MISSED" + (" (no answer)" if worst >= args.limit else "")
        print(f"{kind:<10}{statistics.median(samples):>9.2f}s{worst:>9.2f}s  {verdict}")


if __name__ == "__main__":
    main()
