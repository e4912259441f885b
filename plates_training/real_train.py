"""Fine-tune the line recogniser on real plates plus synthetic ones, and write the ONNX file the reader loads:

    python -m plates_training.line_train --data /tmp/line-data --chunks 12 --render-only   # synthetic views
    nice python -m plates_training.real_train --data /tmp/line-data --chunks 12 --minutes 20

The real part is the train part of the shared sets (`real_data.train_part`, by plates_training/split.csv; the
tune and validation parts are never read here) and, with `--set DIR` (repeatable), folders a lane exported (`lane plates
export`). Each epoch mixes every synthetic chunk (`line_data`: both colour schemes, the plate fonts, dirt, glare,
blur, JPEG, perspective, small plates) with the real views repeated `--real-weight` times, each batch changed
afresh (`line_torch.augment`, with a polarity flip now and then), so the few hundred real plates are not learnt by
heart. It starts from `--start` (the shipped model by default: a fine-tune, not a new network), with a short
warm-up and a low learning rate. The held-out views printed are synthetic (chunks 90000-90001) and, apart, the real
views of the train part: neither chooses anything. Needs torch and onnx (the `train` extra); the reader never imports
them.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from plates import ctc, line_net
from plates_training import line_train, real_data


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=Path("/tmp/line-data"), help="folder of rendered synthetic chunks")
    p.add_argument("--chunks", type=int, default=12, help="synthetic chunks of 1000 views (seeds 1..N), those rendered")
    p.add_argument("--set", type=Path, action="append", default=[], help="a lane's exported set, read whole")
    p.add_argument("--real-weight", type=int, default=4, help="times each real view is shown per epoch")
    p.add_argument("--start", type=Path, default=line_net.MODEL_PATH, help="the exported network to fine-tune")
    p.add_argument("--out", type=Path, default=line_net.MODEL_PATH)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--minutes", type=float, default=20.0)
    p.add_argument("--rate", type=float, default=3e-4, help="peak learning rate")
    args = p.parse_args(argv)
    t0 = time.time()
    real, texts = real_data.train_part()
    for folder in args.set:
        got, labels = real_data.from_folder(folder, None)
        if got:
            real, texts = np.concatenate([real, np.stack(got)]), texts + labels
    held = line_train.render(args.data, range(90000, 90002), 1)
    synthetic = [f for s in range(1, 1 + args.chunks) if (f := args.data / f"chunk-{s:05d}.npz").is_file()]
    if not synthetic:
        print(f"no synthetic chunks in {args.data}: render them first (line_train --render-only)")
        return 1
    xs, ts = line_train.load(synthetic)
    print(f"{len(real)} real views of {len(set(texts))} plates, {len(xs)} synthetic, {time.time() - t0:.0f} s")
    x = np.concatenate([xs, *([real] * args.real_weight)])
    t = ts + texts * args.real_weight
    from plates_training import line_torch  # torch only here

    xv, tv = line_train.load(held)
    net = line_torch.fit(
        lambda: (x, t),
        xv,
        tv,
        epochs=args.epochs,
        minutes=args.minutes,
        size=len(x),
        rate=args.rate,
        start=line_torch.from_onnx(args.start),
        augmented=True,
    )
    line_torch.export(net, args.out)
    check = line_net.LineNet(args.out.read_bytes())
    for name, views, labels in (("synthetic held-out", xv, tv), ("real train part (trained on)", real, texts)):
        probs = check.posteriors(list(views))
        exact = sum(ctc.greedy(q) == s for q, s in zip(probs, labels, strict=True))
        print(f"{name}: greedy exact {exact / max(len(labels), 1):.1%} of {len(labels)} views")
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB), {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
