"""The split of the shared real plate sets into a part to learn from (`train`: the recogniser is fine-tuned on it),
a part to tune on (`tune`: held out of training; the confidence is calibrated and the accept threshold chosen on it)
and a validation part (`val`) that no setting is ever chosen by: `python -m plates_training.split` writes
plates_training/split.csv (`set,file,side`), the same file every run (seeded).

Images are grouped so that a group is never cut: the crops of one photo (id-crops files sharing a `testNNN_` prefix)
and every image of one plate text, in either set, are one group. Groups are shuffled with a fixed seed and given to
validation, in that order, while it holds at most VAL_SHARE of each set's images, but never a group holding an image
that chose a setting or whose misses were looked at before (`seen.csv`: the tune and validation parts of the seed-16
split, whose validation misses were looked at on 2026-12-05 and a rule chosen by them; docs/plates.md); the rest,
shuffled again, to tune while it holds TUNE_SHARE; the rest is train. Rows whose label does
not fit the grammar (`format_ok` 0) are kept in the file, on the side of their group, and left out of figures by
whoever reads them. The split looks at file names and labels only, never at a reading.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "plates"
SPLIT = Path(__file__).with_name("split.csv")
FIXES = Path(__file__).with_name("label_fixes.csv")
SEEN = Path(__file__).with_name("seen.csv")
SETS = ("id-crops", "id-street")
VAL_SHARE = 0.35
TUNE_SHARE = 0.2  # of each set: held from training, for calibrating the confidence and choosing the threshold
SEED = 17  # 16 until 2026-12-05 17:40 UTC: its validation part was looked at (docs/plates.md)


def _photo(set_name: str, file: str) -> str:
    """The photo an image comes from: id-crops' `testNNN_k` crops share `testNNN`; a street image is its own."""
    name = Path(file).stem
    m = re.match(r"(test\d+)_", name)
    return f"{set_name}:{m.group(1) if m and set_name == 'id-crops' else name}"


def _groups(items: list[tuple[str, str, str]]) -> list[list[tuple[str, str]]]:
    """(set, file) lists joined by photo and by plate text (union-find), in a fixed order."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for set_name, file, text in items:
        node = f"{set_name}:{file}"
        for key in (_photo(set_name, file), "plate:" + text.replace(" ", "")):
            parent[find(node)] = find(key)
    joined: dict[str, list[tuple[str, str]]] = {}
    for set_name, file, _ in items:
        joined.setdefault(find(f"{set_name}:{file}"), []).append((set_name, file))
    return [sorted(g) for _, g in sorted(joined.items(), key=lambda kv: sorted(kv[1]))]


def make_split(data: Path, seed: int = SEED, share: float = VAL_SHARE) -> list[tuple[str, str, str]]:
    """(set, file, side) for every labelled image of SETS under `data`."""
    items: list[tuple[str, str, str]] = []
    for set_name in SETS:
        with (data / set_name / "labels.csv").open(newline="") as f:
            items += [(set_name, r["file"], r["plate_text"]) for r in csv.DictReader(f)]
    totals = {s: sum(i[0] == s for i in items) for s in SETS}
    groups = _groups(items)
    random.Random(seed).shuffle(groups)
    seen = read_seen()
    fresh = [g for g in groups if not any(item in seen for item in g)]
    side: dict[tuple[str, str], str] = {}
    rest = _take(fresh, totals, share, "val", side) + [g for g in groups if any(item in seen for item in g)]
    random.Random(seed + 1).shuffle(rest)
    _take(rest, totals, TUNE_SHARE, "tune", side)
    return [(s, f, side.get((s, f), "train")) for s, f, _ in items]


def _take(
    groups: list[list[tuple[str, str]]],
    totals: dict[str, int],
    share: float,
    name: str,
    side: dict[tuple[str, str], str],
) -> list[list[tuple[str, str]]]:
    """Groups given to `name`, in order, while each set's count stays within `share` of its total; the rest back."""
    taken = dict.fromkeys(SETS, 0)
    rest = []
    for group in groups:
        counts = {s: sum(g[0] == s for g in group) for s in SETS}
        if all(taken[s] + counts[s] <= share * totals[s] + 1 for s in SETS):
            for s in SETS:
                taken[s] += counts[s]
            side.update(dict.fromkeys(group, name))
        else:
            rest.append(group)
    return rest


def read_seen(path: Path | None = None) -> set[tuple[str, str]]:
    """(set, file) of every image a choice was made by or whose misses were looked at (plates_training/seen.csv):
    never again in a validation part."""
    with (path or SEEN).open(newline="") as f:
        return {(r["set"], r["file"]) for r in csv.DictReader(f)}


def label_fixes(path: Path = FIXES) -> dict[tuple[str, str], str]:
    """(set, file) -> the plate text a wrong shared label is corrected to (plates_training/label_fixes.csv: each
    checked by eye, with the label it replaces and why). The split itself was made from the shared labels."""
    with path.open(newline="") as f:
        return {(r["set"], r["file"]): r["plate_text"] for r in csv.DictReader(f)}


def fixes_for(folder: Path) -> dict[str, str]:
    """File -> corrected plate text of `folder`'s wrong labels when it is one of the shared sets (`label_fixes`);
    none for any other folder (a lane's export, a site's own photos)."""
    if folder.resolve().parent != DATA.resolve():
        return {}
    return {file: text for (name, file), text in label_fixes().items() if name == folder.name}


def read_split(path: Path = SPLIT) -> dict[tuple[str, str], str]:
    """(set, file) -> "train", "tune" or "val", from the committed split file."""
    with path.open(newline="") as f:
        return {(r["set"], r["file"]): r["side"] for r in csv.DictReader(f)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--out", type=Path, default=SPLIT)
    args = p.parse_args(argv)
    if not (args.data / "id-street" / "labels.csv").is_file():
        print(f"no real plate data at {args.data}: nothing to split")
        return 1
    rows = make_split(args.data, args.seed)
    with args.out.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["set", "file", "side"])
        w.writerows(rows)
    for s in SETS:
        total = sum(r[0] == s for r in rows)
        parts = ", ".join(
            f"{side} {sum(r[0] == s and r[2] == side for r in rows)}" for side in ("train", "tune", "val")
        )
        print(f"{s}: {total} images: {parts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
