"""The `lane` command: demo, simulate, run, console, check-config, registry, officer, plates, report, sim-devices,
plan.
Exit code 2 for a bad configuration, nothing started. Each command imports what it runs when it runs (the lane
engine, OpenCV, Textual), so that a quick command such as `lane report` or `lane check-config` starts quickly."""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import sys
from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from lane import audit_cli, officer_cli, plan_cli, plates_cli, registry_cli, retention_cli
from lane.central import cli as central_cli
from lane.cli_args import INTERRUPTED, USAGE, Parser, iso_date, out_file, positive, whole
from lane.config import DEFAULT_PATH, ConfigError, SiteConfig, load
from lane.report import cli as report_cli
from lane.sanitize import guard_log


def _parser() -> argparse.ArgumentParser:
    p = Parser(prog="lane", description="Drive-thru SIM renewal lane controller.")
    p.add_argument("--config", type=Path, default=DEFAULT_PATH, help="site file (default: %(default)s)")
    # The sub-commands' parsers are Parsers too (argparse makes them of the parent's class); the modules that add
    # theirs are typed for any ArgumentParser.
    sub = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        p.add_subparsers(dest="command", required=True, metavar="COMMAND"),
    )

    demo = sub.add_parser("demo", help="the simulated two-lane site: about a dozen renewals in about a minute")
    demo.add_argument(
        "--renewals",
        type=whole(0, 10_000),
        default=12,
        help="vehicles queued at the start (default 12; 0 only finishes what a restart found open)",
    )
    demo.add_argument(
        "--speed", type=positive(1000), default=None, help="clock speed, x real time (default 40, or the --sims file's)"
    )
    demo.add_argument("--db", type=out_file, default=Path("var/demo.db"), help="database (default var/demo.db)")
    demo.add_argument("--plain", action="store_true", help="plain lines, not the console, even on a terminal")
    demo.add_argument("--plate-reader", choices=["ocr", "operator"], help="override the lanes' plate reader")
    demo.add_argument(
        "--devices",
        choices=["serial", "virtual"],
        default="serial",
        help="serial: every device over its real protocol, to simulator processes (default); virtual: in-process",
    )
    demo.add_argument(
        "--sims",
        type=Path,
        default=None,
        help="attach to simulators already running (the JSON of `lane sim-devices --json` or of "
        "devices.sim.launcher.write_sims) instead of starting them; they outlive the demo",
    )
    demo.add_argument("--seed", type=whole(0), default=None, help="the simulated people's seed (default: from config)")
    demo.add_argument("--central", action="store_true", help="two simulated sites pushing to a central PostgreSQL")

    sim = sub.add_parser("simulate", help="a simulated day on the virtual clock, then the summary")
    sim.add_argument("--hours", type=positive(24 * 31), default=8.0, help="hours of arrivals (default 8)")
    sim.add_argument("--lanes", type=whole(1, 32), default=None, help="number of lanes (default: as configured)")
    sim.add_argument("--arrivals-per-hour", type=positive(600), default=None, help="per lane (default: from config)")
    sim.add_argument("--seed", type=whole(0), default=None, help="random seed (default: from config)")
    sim.add_argument(
        "--db",
        type=out_file,
        default=Path("var/simulate.db"),
        help="database, replaced at the start (default var/simulate.db)",
    )
    sim.add_argument(
        "--plate-reader",
        choices=["ocr", "operator"],
        default="operator",
        help="ocr reads every rendered frame with the plate reader (plates/: some 60 ms a frame); "
        "operator has the plate typed (default)",
    )
    sim.add_argument("--fast-store", action="store_true", help="no fsync per commit (synchronous=NORMAL)")
    sim.add_argument(
        "--days", type=whole(1, 366), default=None, help="whole days from 00:00, appended to --db (default: one)"
    )
    sim.add_argument(
        "--start", type=iso_date, default=None, help="first day YYYY-MM-DD, appended to --db (default today)"
    )

    run = sub.add_parser("run", help="the site in real time with its configured devices, until Ctrl-C")
    run.add_argument("--db", type=out_file, default=None, help="database (default: store.path from the config)")
    run.add_argument("--plain", action="store_true", help="plain lines, not the console, even on a terminal")
    run.add_argument("--operator", default=None, help="officer id for the console's login (the PIN is asked)")

    con = sub.add_parser("console", help="the operator console, attached to a running controller")
    con.add_argument("--db", type=Path, default=None, help="the controller's database (default: store.path)")
    con.add_argument("--operator", default=None, help="officer id for the login (the PIN is asked)")

    sub.add_parser("check-config", help="check the site file and print what it configures")
    sim = sub.add_parser(
        "sim-devices", help="start the device simulators of every lane (I/O module, printer, sign, cameras)"
    )
    sim.add_argument("--link", choices=["tcp", "pty"], default="tcp", help="loopback sockets or pseudo-terminals")
    sim.add_argument(
        "--speed", type=positive(1000), default=1.0, help="the lane clock's speed, x real time (default 1)"
    )
    sim.add_argument("--json", action="store_true", help="print only the JSON (what `lane demo --sims FILE` reads)")
    sim.add_argument(
        "--site-file", type=out_file, default=None, help="also write a site file whose lanes use these simulators"
    )
    registry_cli.add_parser(sub)
    officer_cli.add_parser(sub)
    plates_cli.add_parser(sub)
    report_cli.add_parser(sub)
    retention_cli.add_parser(sub)
    audit_cli.add_parser(sub)
    plan_cli.add_parser(sub)
    central_cli.add_parsers(sub)
    return p


#: The commands another module runs whole, from the parsed arguments and the site's configuration.
COMMANDS: dict[str, Callable[[argparse.Namespace, SiteConfig], int]] = {
    "registry": registry_cli.run,
    "officer": officer_cli.run,
    "report": report_cli.run,
    "retention": retention_cli.run,
    "audit": audit_cli.run,
    "plan": plan_cli.run,
    "central": central_cli.run,
    "sync": central_cli.run,
}


def _start_of_day(config: SiteConfig) -> datetime:
    tz = ZoneInfo(config.site.timezone)
    return datetime.combine(datetime.now(tz).date(), time(8, 0), tz)


def _attached(args: argparse.Namespace, config: SiteConfig) -> tuple[dict[str, Any], float | None] | None:
    """`demo --sims FILE`: the running simulators to attach to, and their speed; ConfigError when the file does not
    describe them, a lane of the site has none, or they run at another speed than --speed."""
    if args.sims is None:
        return None
    from devices.sim.launcher import read_sims

    try:
        sims, speed = read_sims(args.sims)
    except (OSError, ValueError) as err:
        raise ConfigError(f"--sims: {err}") from None
    missing = [lane.id for lane in config.lanes if lane.id not in sims]
    if missing:
        raise ConfigError(f"--sims: {args.sims} has no simulators for lane {', '.join(missing)}")
    if args.speed is not None and speed is not None and abs(args.speed - speed) > 1e-9:
        raise ConfigError(f"--sims: the simulators run at speed {speed:g}, not --speed {args.speed:g}")
    return sims, speed


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as done:  # --help (0) or a usage error (2), already printed in one line
        return done.code if isinstance(done.code, int) else USAGE
    guard_log()  # log lines carry no escape codes from reasons, plates or file names
    if args.command == "plates":  # reads image files; needs no site
        return plates_cli.run(args)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # Tesseract: one thread a read; reads run side by side
    try:
        config = load(args.config)
        attached = _attached(args, config) if args.command == "demo" else None
        if args.command in ("run", "demo", "simulate", "check-config"):
            from lane import plate_model  # loads the plate reader: only for the commands that read plates

            plate_model.check(config, args.config)
    except ConfigError as err:
        print(f"lane: configuration error\n{err}", file=sys.stderr)
        return 2
    live = sys.stdout.isatty() and not getattr(args, "plain", False)
    if (handler := COMMANDS.get(args.command)) is not None:
        return handler(args, config)
    if args.command == "check-config":
        print(f"{args.config}: ok: {config.site.name} ({config.site.office_code}), {len(config.lanes)} lanes")
        for lane in config.lanes:
            flow = config.flow(lane)
            print(
                f"  {lane.id}: SIM {lane.lane_class.value}, budgets {flow.budget_total():g} s, "
                f"devices {lane.devices.backend}, plates {lane.devices.plate_reader}, "
                f"sign {lane.sign.lines} x {lane.sign.chars}"
            )
        from lane.queue_config import describe

        print(f"  queues: {describe(config.queues, {lane.id: lane.lane_class.value for lane in config.lanes})}")
        return 0
    if args.command == "sim-devices":
        from devices.sim.__main__ import main as sim_main

        return sim_main(
            ["--config", str(args.config), "--link", args.link, "--speed", str(args.speed)]
            + ["--json"] * args.json
            + (["--site-file", str(args.site_file)] if args.site_file else [])
        )
    if args.command == "console":
        from lane.console.attach import run_console  # Textual is loaded only for the console

        return run_console(args.db or Path(config.store.path), config, args.operator)
    from lane import clock as clocks
    from lane.site import lanes_for

    halt = clocks.Halt()  # Ctrl-C or SIGTERM with the console in front: the lanes stop before the process ends

    try:
        if args.command in ("demo", "simulate"):
            from lane.simulate import SimPlan, simulate  # the simulated people and the device simulators
        if args.command == "demo" and args.central:
            from lane.central.demo import run as central_demo

            return central_demo(config, args.config, args.db.parent)
        if args.command == "demo":
            plan = SimPlan(
                count=max(0, args.renewals),
                plate_reader=args.plate_reader,
                show="quiet" if live else "plain",
                seed=args.seed,
            )
            speed = args.speed or (attached[1] if attached else None) or 40.0

            def demo() -> Any:
                def go(options: dict[str, dict[str, Any]] | None) -> Any:
                    return clocks.run(
                        lambda c: simulate(c, config, list(config.lanes), args.db, plan, config.store.durable, options),
                        "scaled",
                        speed,
                        halt=halt,
                    )

                if attached is not None:
                    return go({i: {"backend": "serial", **s.backend_options()} for i, s in attached[0].items()})
                if args.devices == "virtual":
                    return go(None)
                from devices.sim.launcher import SimProcesses

                var = args.db.parent
                ids = [lane.id for lane in config.lanes]
                with SimProcesses(ids, speed=speed, run_dir=var / "sim", cards_dir=var / "cards") as sims:
                    return go({i: {"backend": "serial", **sims[i].backend_options()} for i in ids})

            if live:
                from lane.console.attach import in_front_of

                pin = secrets.token_urlsafe(12)  # the console logs in with it; nobody else knows it
                officer_cli.demo_officer(args.db, pin)
                summary = in_front_of(demo, args.db, config, officer_cli.DEMO_OFFICER, pin, halt)
            else:
                summary = demo()
        elif args.command == "simulate":
            from lane.sim_days import sim_span

            lanes = lanes_for(config, args.lanes)
            plan, start = sim_span(config, args, len(lanes))
            plan.bar = True  # the renewals done, on a progress bar when on a terminal
            if args.days is None and args.start is None:  # a fresh day; with --days or --start it is appended
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{args.db}{suffix}").unlink(missing_ok=True)
            durable = config.store.durable and not args.fast_store
            summary = clocks.run(lambda c: simulate(c, config, lanes, args.db, plan, durable), "virtual", start=start)
        else:
            from lane.run import run_forever  # the real site: imports no simulator

            db = args.db or Path(config.store.path)
            with contextlib.suppress(KeyboardInterrupt):
                if live:
                    from lane.console.attach import in_front_of

                    in_front_of(
                        lambda: clocks.run(lambda c: run_forever(c, config, db, "quiet"), halt=halt),
                        db,
                        config,
                        args.operator,
                        halt=halt,
                    )
                else:
                    clocks.run(lambda c: run_forever(c, config, db, "plain"))
            return 0
    except KeyboardInterrupt:  # Ctrl-C: the lanes have stopped (simulate's finally); no traceback
        print(f"interrupted; the cycles so far are in {args.db or config.store.path}", file=sys.stderr)
        return INTERRUPTED
    for line in summary.lines():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
