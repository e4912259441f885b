"""Train the line recogniser on synthetic plates and write plates/line_model.onnx: needs torch and onnx (the `train`
extra), which the reader itself never imports. Run it in a separate environment, from the project folder:

    python3 -m venv /work/trainenv
    /work/trainenv/bin/pip install torch==2.13.0 onnx numpy pillow "opencv-python-headless<5"
    PYTHONPATH=. /work/trainenv/bin/python -m plates.line_train --data /tmp/line-data

Data come from `plates.line_data` (fonts from Debian packages and OpenCV's Hershey fonts, plates rendered and
photographed at random); no real plate image is used. `--data DIR` keeps the rendered views in chunks so a second
run trains at once. The network (`line_torch.build`) is fully convolutional: conv / batch norm / ReLU / max pooling
down to one row, then a 1x1 convolution to the CTC classes of each column, so OpenCV's DNN module runs its ONNX
export. Trained with AdamW and CTC loss; the held-out synthetic views choose nothing but are printed (greedy and
grammar-decoded exact plates). Seeded: the same arguments give the same data and the same start; `--minutes`
stops a slow machine early (the learning rate follows whichever of steps and time is further along).

The shipped line_model.onnx was trained in five stages, each from the one before. The first three made the model
shipped until 2026-11-28: `--chunks 28 --epochs 12 --minutes 40` (run with `--meanwhile`, its first epoch saw the 18
chunks rendered by then; held-out greedy exact 77%), then `--chunks 28 --more 12 --start <first stage> --rate 5e-4
--epochs 4 --minutes 18` (79.5%), then `--chunks 28 --more 24 --start <second stage> --rate 3e-4 --epochs 3
--minutes 12` (79.9%); their chunks 1-28 were rendered before `line_data.variant` drew W and M its own ways, and
those and chunks 101-124 before `line_data.random_text` drew its CONFUSED letters twice as often, and the second and
third stages warmed up in 1 step, not 100 as `line_torch.fit` now does. The fourth rendered chunks 1-96 anew with
today's `line_data` into a fresh folder while it trained: `--chunks 96 --meanwhile --start <third stage> --rate 1e-3
--epochs 12 --minutes 100` (84.5%; its learning rate reached nothing at about 99 minutes, the time its log shows, as
no command was recorded). The fifth: `--chunks 96 --start <fourth stage> --rate 5e-4 --epochs 7 --minutes 92
--augment` (85.8%, 85 minutes). All stages ran on a busy 2-core machine and the fourth and fifth shared it with
other work, so a rerun differs a little.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from plates import ctc, line_data, line_net

CHUNK = 1000  # views rendered per chunk file


def _chunk(args: tuple[int, Path]) -> Path:
    seed, folder = args
    out = folder / f"chunk-{seed:05d}.npz"
    if not out.is_file():
        views, texts = line_data.batch(seed, CHUNK)
        tmp = folder / f".chunk-{seed:05d}.npz"
        np.savez_compressed(tmp, views=views, texts=np.array(texts))
        tmp.rename(out)
    return out


def render(folder: Path, seeds: Sequence[int], workers: int) -> list[Path]:
    """The chunk files of `seeds` in `folder`, rendered in `workers` processes where missing."""
    folder.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_chunk, [(s, folder) for s in seeds]))


def load(paths: list[Path]) -> tuple[np.ndarray, list[str]]:
    views, texts = [], []
    for p in paths:
        with np.load(p) as d:
            views.append(d["views"])
            texts += [str(t) for t in d["texts"]]
    return np.concatenate(views), texts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=Path("/tmp/line-data"), help="folder for the rendered views")
    p.add_argument("--chunks", type=int, default=48, help="training chunks of 1000 views")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--render-only", action="store_true")
    p.add_argument("--meanwhile", action="store_true", help="train on the chunks another run is still rendering")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--minutes", type=float, default=40.0, help="stop training after this long")
    p.add_argument("--out", type=Path, default=line_net.MODEL_PATH)
    p.add_argument("--start", type=Path, default=None, help="train this exported network further")
    p.add_argument("--rate", type=float, default=2e-3, help="peak learning rate")
    p.add_argument("--augment", action="store_true", help="change each batch afresh (line_torch.augment)")
    p.add_argument("--more", type=int, default=0, help="more chunks (seeds from 101), e.g. for a second stage")
    args = p.parse_args(argv)
    t0 = time.time()
    held = render(args.data, range(90000, 90002), args.workers)
    seeds = [*range(1, 1 + args.chunks), *range(101, 101 + args.more)]
    if not args.meanwhile:
        render(args.data, seeds, args.workers)
        print(f"rendered {len(seeds)} chunks, {time.time() - t0:.0f} s", flush=True)
    if args.render_only:
        return 0
    from plates import line_torch  # torch only here

    def data() -> tuple[np.ndarray, list[str]]:
        return load([f for s in seeds if (f := args.data / f"chunk-{s:05d}.npz").is_file()])

    xv, tv = load(held)
    start = line_torch.from_onnx(args.start) if args.start else None
    net = line_torch.fit(data, xv, tv, epochs=args.epochs, minutes=args.minutes, size=len(seeds) * CHUNK,
                         rate=args.rate, start=start, augmented=args.augment)  # fmt: skip
    line_torch.export(net, args.out)
    check = line_net.LineNet(args.out.read_bytes())
    probs = check.posteriors(list(xv))
    exact = sum(ctc.greedy(q) == t for q, t in zip(probs, tv, strict=True))
    decoded = [ctc.decode_ctc(q) for q in probs]
    grammar = sum(d is not None and d.plate.text.replace(" ", "") == t for d, t in zip(decoded, tv, strict=True))
    print(f"held-out synthetic views (OpenCV DNN): greedy exact {exact / len(tv):.1%}, grammar exact "
          f"{grammar / len(tv):.1%}; wrote {args.out} ({args.out.stat().st_size // 1024} KiB), "
          f"{time.time() - t0:.0f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
