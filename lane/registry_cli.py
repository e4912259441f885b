"""`lane registry seed | import | lookup`: fill and read the site's copy of the holder registry.

An import that would change holders already in the registry lists them and writes nothing (exit 2) unless
`--update`, which writes them and lists them the same way: SIM number, the fields changed, the NIK masked. What
it prints comes from a file or the registry, so it goes through lane.sanitize first."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flows.documents import new_card_number
from flows.nik import mask
from lane.bars import track
from lane.cli_args import whole
from lane.config import SiteConfig
from lane.sanitize import line

if TYPE_CHECKING:
    from lane.holders import Change


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("registry", help="fill or read the holder registry (the site's local copy)")
    p.add_argument("--path", type=Path, default=None, help="registry database (default: documents.registry)")
    verbs = p.add_subparsers(dest="verb", required=True, metavar="VERB")
    seed = verbs.add_parser("seed", help="replace the holders with a reproducible synthetic population")
    seed.add_argument("--count", type=whole(1, 1_000_000), default=5000, help="holders (1 to 1000000, default 5000)")
    seed.add_argument("--seed", type=whole(0), default=None, help="default: simulation.seed from the config")
    seed.add_argument("--force", action="store_true", help="replace a registry that holds imported holders too")
    imp = verbs.add_parser("import", help="add holders from a CSV file (columns as `lane registry lookup` shows)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--update", action="store_true", help="allow the file to change holders already there")
    look = verbs.add_parser(
        "lookup",
        help="show the holder of a SIM number, an older card's or a NIK (NIK masked), and the number it renews as",
    )
    look.add_argument("sim_number")


def run(args: argparse.Namespace, config: SiteConfig) -> int:
    from lane.holders import (  # sqlite-utils: loaded by the command that uses it
        Imports,
        Registry,
        RegistryError,
        WouldChange,
    )

    path = args.path or config.documents.registry
    try:
        registry = Registry(path)
    except (sqlite3.Error, OSError) as err:
        print(line(f"lane registry: {path}: cannot open the registry: {err}"))
        return 2
    today = datetime.now(ZoneInfo(config.site.timezone)).date()
    try:
        if args.verb == "seed":
            seed = config.simulation.seed if args.seed is None else args.seed
            try:
                n = registry.seed(args.count, seed, today, lambda h: track(h, args.count, "holders"), args.force)
            except Imports as err:
                print(line(f"lane registry seed: {registry.path} {err}"), file=sys.stderr)
                return 2
            print(f"{registry.path}: {n} holders (seed {seed})")
        elif args.verb == "import":
            try:
                done = registry.import_csv(args.file, today, args.update)
            except WouldChange as err:
                for error in err.errors:
                    print(line(error))
                print(line(f"lane registry import: {err}; nothing imported"))
                _list(err.changes)
                return 2
            except (OSError, RegistryError) as err:
                print(line(f"lane registry import: {err}"))
                return 2
            for error in done.errors:
                print(line(error))
            _list(done.changes)
            new = done.holders - len(done.changes) - done.unchanged
            print(
                line(
                    f"{registry.path}: {done.holders} holders imported ({new} new, {len(done.changes)} changed, "
                    f"{done.unchanged} unchanged), {len(done.errors)} rows refused"
                )
            )
            return 1 if done.errors else 0
        else:
            holder = registry.lookup(args.sim_number)
            if holder is None:
                print(line(f"no holder with SIM number {args.sim_number}"))
                return 1
            for key, value in vars(holder).items():
                shown = mask(value) if key == "nik" or (key == "sim_number" and value == holder.nik) else value
                print(line(f"{key:12} {shown}"))
            renewed = new_card_number(holder, today)
            print(line(f"{'renews as':12} {mask(renewed) if renewed == holder.nik else renewed}"))
    finally:
        registry.close()
    return 0


def _list(changes: list[Change]) -> None:
    """One line a changed holder: the SIM number (masked when it is a NIK), the NIK masked, the fields changed."""
    for c in changes:
        number = mask(c.sim_number) if len(c.sim_number) == 16 else c.sim_number
        nik = mask(c.old_nik) if c.old_nik == c.new_nik else f"{mask(c.old_nik)} -> {mask(c.new_nik)}"
        print(line(f"  changed {number} (NIK {nik}): {', '.join(c.fields)}"))
