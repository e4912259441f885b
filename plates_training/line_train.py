"""Train the line recogniser on synthetic plates and write plates/line_model.onnx: needs torch and onnx (the `train`
extra), which the reader itself never imports. Run it in a separate environment, from the project folder:

    python3 -m venv /tmp/trainenv
    /tmp/trainenv/bin/pip install torch==2.13.0 onnx numpy pillow "opencv-python-headless<5"
    PYTHONPATH=. /tmp/trainenv/bin/python -m plates_training.line_train --data /tmp/line-data

Data come from `plates_training.line_data` (fonts from Debian packages and OpenCV's Hershey fonts, plates rendered
and photographed at random); no real plate image is used. `--data DIR` keeps the rendered views in chunks so a
second run trains at once. The network (`line_torch.build`) is fully convolutional: conv / batch norm / ReLU / max
pooling down to one row, then a 1x1 convolution to the CTC classes of each column, so OpenCV's DNN module runs its
ONNX export. Trained with AdamW and CTC loss; the held-out synthetic views choose nothing but are printed (greedy
and grammar-decoded exact plates). Seeded: the same arguments give the same data and the same start; `--minutes`
stops a slow machine early (the learning rate follows whichever of steps and time is further along).

How the shipped line_model.onnx was trained, stage by stage: docs/plates.md, "The models".
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from plates import ctc, line_net
from plates_training import line_data

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
    from plates_training import line_torch  # torch only here

    def data() -> tuple[np.ndarray, list[str]]:
        return load([f for s in seeds if (f := args.data / f"chunk-{s:05d}.npz").is_file()])

    xv, tv = load(held)
    start = line_torch.from_onnx(args.start) if args.start else None
    net = line_torch.fit(
        data,
        xv,
        tv,
        epochs=args.epochs,
        minutes=args.minutes,
        size=len(seeds) * CHUNK,
        rate=args.rate,
        start=start,
        augmented=args.augment,
    )
    line_torch.export(net, args.out)
    check = line_net.LineNet(args.out.read_bytes())
    probs = check.posteriors(list(xv))
    exact = sum(ctc.greedy(q) == t for q, t in zip(probs, tv, strict=True))
    decoded = [ctc.decode_ctc(q) for q in probs]
    grammar = sum(d is not None and d.plate.text.replace(" ", "") == t for d, t in zip(decoded, tv, strict=True))
    print(
        f"held-out synthetic views (OpenCV DNN): greedy exact {exact / len(tv):.1%}, grammar exact "
        f"{grammar / len(tv):.1%}; wrote {args.out} ({args.out.stat().st_size // 1024} KiB), "
        f"{time.time() - t0:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
