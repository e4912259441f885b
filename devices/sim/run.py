"""One simulator process: `python -m devices.sim.run KIND --lane L1 ...` (KIND: io, printer, sign, cameras).

It starts the simulator, prints one JSON line with its URLs and control address on stdout, and runs until SIGTERM
or SIGINT, or, with `--parent-pipe`, until its stdin closes (the launcher died), then closes everything it opened.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import logging
import os
import signal
import sys
from pathlib import Path

from devices.sim.control import SimOptions, Simulator

KINDS = {
    "io": "devices.sim.io_module:IOModuleSim",
    "printer": "devices.sim.printer:PrinterSim",
    "sign": "devices.sim.sign:SignSim",
    "cameras": "devices.sim.camera:CameraSim",
}


def make(kind: str, options: SimOptions) -> Simulator:
    module, _, name = KINDS[kind].partition(":")
    cls: type[Simulator] = getattr(importlib.import_module(module), name)
    return cls(options)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m devices.sim.run", description=__doc__)
    p.add_argument("kind", choices=sorted(KINDS))
    p.add_argument("--lane", default="L1")
    p.add_argument("--link", choices=["tcp", "pty"], default="tcp")
    p.add_argument("--run-dir", type=Path, default=Path("var/sim"))
    p.add_argument("--speed", type=float, default=1.0, help="the lane clock's speed (x real time)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--pace-baud", type=int, default=None, help="pace the simulator's output at this baud rate")
    p.add_argument("--extra", default="{}", help="the simulator's own settings, as JSON")
    p.add_argument("--parent-pipe", action="store_true", help="stop when stdin closes")
    return p


async def _main(args: argparse.Namespace) -> int:
    if args.speed <= 0:
        raise SystemExit("--speed must be positive")
    options = SimOptions(
        args.lane, args.link, args.run_dir, args.speed, args.seed, args.pace_baud, json.loads(args.extra)
    )
    sim = make(args.kind, options)
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, done.set)
    if args.parent_pipe:
        fd = sys.stdin.fileno()

        def readable() -> None:
            try:
                data = os.read(fd, 1024)
            except OSError:
                data = b""
            if not data:
                loop.remove_reader(fd)
                done.set()

        loop.add_reader(fd, readable)
    try:
        ready = await sim.start()
        print(json.dumps(ready), flush=True)
        await done.wait()
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(sim.stop(), 5.0)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {args.lane}-{args.kind} %(levelname)s %(message)s")
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
