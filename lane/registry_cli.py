"""`lane registry seed | import | lookup`: fill and read the site's copy of the holder registry."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.nik import mask
from lane.config import SiteConfig


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("registry", help="fill or read the holder registry (the site's local copy)")
    p.add_argument("--path", type=Path, default=None, help="registry database (default: documents.registry)")
    verbs = p.add_subparsers(dest="verb", required=True, metavar="VERB")
    seed = verbs.add_parser("seed", help="replace the holders with a reproducible synthetic population")
    seed.add_argument("--count", type=int, default=5000)
    seed.add_argument("--seed", type=int, default=None, help="default: simulation.seed from the config")
    imp = verbs.add_parser("import", help="add holders from a CSV file (columns as `lane registry lookup` shows)")
    imp.add_argument("file", type=Path)
    look = verbs.add_parser("lookup", help="show the holder of a SIM number (NIK masked)")
    look.add_argument("sim_number")


def run(args: argparse.Namespace, config: SiteConfig) -> int:
    from lane.registry import Registry, RegistryError  # sqlite-utils: loaded by the command that uses it

    registry = Registry(args.path or config.documents.registry)
    today = datetime.now(ZoneInfo(config.site.timezone)).date()
    try:
        if args.verb == "seed":
            if not 1 <= args.count <= 1_000_000:
                print("lane registry seed: --count must be 1 to 1000000")
                return 2
            seed = config.simulation.seed if args.seed is None else args.seed
            n = registry.seed(args.count, seed, today)
            print(f"{registry.path}: {n} holders (seed {seed})")
        elif args.verb == "import":
            try:
                n, errors = registry.import_csv(args.file, today)
            except (OSError, UnicodeDecodeError, RegistryError) as err:
                print(f"lane registry import: {err}")
                return 2
            for line in errors:
                print(line)
            print(f"{registry.path}: {n} holders imported, {len(errors)} rows refused")
            return 1 if errors else 0
        else:
            holder = registry.lookup(args.sim_number)
            if holder is None:
                print(f"no holder with SIM number {args.sim_number}")
                return 1
            for key, value in vars(holder).items():
                print(f"{key:12} {mask(value) if key == 'nik' else value}")
    finally:
        registry.close()
    return 0
