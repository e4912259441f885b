"""`python -m devices.sim`: start the simulators of every lane in the site file (or of `--lane`s), print where they
are (JSON, and the `[lanes.devices]` settings that point a lane at them), and run until Ctrl-C or SIGTERM.

Reads only the lane ids from the site file (TOML), so it needs nothing from the lane package.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import tomllib
from pathlib import Path

from devices.sim.launcher import SimProcesses
from devices.sim.site_file import point_at, toml_snippet


def lane_ids(config: Path) -> list[str]:
    with config.open("rb") as f:
        data = tomllib.load(f)
    return [str(lane["id"]) for lane in data.get("lanes", [])]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m devices.sim", description=__doc__)
    p.add_argument("--config", type=Path, default=Path("config/site.toml"), help="site file (for the lane ids)")
    p.add_argument("--lane", action="append", help="a lane id (repeat); default: every lane in the site file")
    p.add_argument("--link", choices=["tcp", "pty"], default="tcp", help="loopback sockets or pseudo-terminals")
    p.add_argument("--speed", type=float, default=1.0, help="the lane clock's speed, x real time (default 1)")
    p.add_argument("--run-dir", type=Path, default=Path("var/sim"), help="pty links and logs (default var/sim)")
    p.add_argument("--cards-dir", type=Path, default=Path("var/cards"), help="printed cards (default var/cards)")
    p.add_argument("--pace-baud", type=int, default=None, help="pace simulator output at this baud rate")
    p.add_argument("--json", action="store_true", help="print only the JSON")
    p.add_argument(
        "--site-file",
        type=Path,
        default=None,
        help="also write a copy of the site file whose lanes point at these simulators (for `lane --config FILE run`)",
    )
    args = p.parse_args(argv)
    lanes = args.lane or lane_ids(args.config)
    if not lanes:
        print("no lanes: give --lane or a site file with [[lanes]]", file=sys.stderr)
        return 2
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    sims = SimProcesses(
        lanes,
        link=args.link,
        speed=args.speed,
        run_dir=args.run_dir,
        cards_dir=args.cards_dir,
        pace_baud=args.pace_baud,
    )
    try:
        started = sims.start()
        report = {lane: {"urls": s.urls, "control": s.control} for lane, s in started.items()}
        print(json.dumps(report, indent=None if args.json else 2), flush=True)
        if args.site_file is not None:
            try:
                text = point_at(args.config.read_text(), {k: s.backend_options() for k, s in started.items()})
                args.site_file.write_text(text)
            except (OSError, ValueError) as err:
                print(f"--site-file: {err}", file=sys.stderr)
                return 2
            print(f"wrote {args.site_file}: `lane --config {args.site_file} run` drives these simulators", flush=True)
        if not args.json:
            for lane, s in started.items():
                print("\n" + toml_snippet(lane, s.backend_options()), flush=True)
            print(f"\nsimulators running (logs in {args.run_dir}); Ctrl-C to stop", flush=True)
        while not done.wait(0.5):
            if any(proc.poll() is not None for proc in sims.procs.values()):
                print("a simulator ended; stopping", file=sys.stderr)
                return 1
    finally:
        sims.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
