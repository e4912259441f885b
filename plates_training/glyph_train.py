"""Train the glyph classifier on synthetic plates and write plates/glyph_model.npz, from the project folder:
`python -m plates_training.glyph_train`.

Data come from `plates_training.glyph_data` (fonts from Debian packages and OpenCV's Hershey fonts, rendered and
made hard at random); no real plate image is used. The network is `plates.glyphs.Classifier`: standardised
features, one ReLU hidden layer, softmax; trained here with Adam on cross-entropy with weight decay and dropout. With
the defaults (10000 plates) about five minutes on two cores; `--data FILE` keeps the rendered features to train
again quickly.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # threads fight over small matrices: one is several times faster

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from plates import glyphs
from plates_training import glyph_data


def train(
    x: np.ndarray,
    y: np.ndarray,
    hidden: int = 384,
    epochs: int = 25,
    seed: int = 7,
    decay: float = 1e-4,
    rate: float = 2e-3,
) -> dict[str, np.ndarray]:
    """The classifier's weights fitted to features `x` and class indexes `y`."""
    rng = np.random.default_rng(seed)
    mean = x.mean(axis=0)
    scale = 1.0 / (x.std(axis=0) + 1e-3)
    z = ((x - mean) * scale).astype(np.float32)
    n, d = z.shape
    k = len(glyphs.CLASSES)
    params = {
        "w1": (rng.normal(0, np.sqrt(2.0 / d), (d, hidden))).astype(np.float32),
        "b1": np.zeros(hidden, np.float32),
        "w2": (rng.normal(0, np.sqrt(1.0 / hidden), (hidden, k))).astype(np.float32),
        "b2": np.zeros(k, np.float32),
    }
    m = {p: np.zeros_like(v) for p, v in params.items()}
    v2 = {p: np.zeros_like(v) for p, v in params.items()}
    step, batch = 0, 256
    for epoch in range(epochs):
        lr = rate * (0.5 * (1 + np.cos(np.pi * epoch / epochs)))
        order = rng.permutation(n)
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            xb = z[idx] + rng.normal(0, 0.05, (len(idx), d)).astype(np.float32)
            yb = y[idx]
            h = xb @ params["w1"] + params["b1"]
            a = np.maximum(h, 0.0)
            drop = (rng.random(a.shape) > 0.2).astype(np.float32) / 0.8
            a = a * drop
            logits = a @ params["w2"] + params["b2"]
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(idx)), yb] -= 1.0
            g2 = p / len(idx)
            grads = {"w2": a.T @ g2, "b2": g2.sum(axis=0)}
            ga = (g2 @ params["w2"].T) * drop * (h > 0)
            grads["w1"], grads["b1"] = xb.T @ ga, ga.sum(axis=0)
            step += 1
            for name, g in grads.items():
                if name.startswith("w"):
                    g = g + decay * params[name]
                m[name] = 0.9 * m[name] + 0.1 * g
                v2[name] = 0.999 * v2[name] + 0.001 * g * g
                mh, vh = m[name] / (1 - 0.9**step), v2[name] / (1 - 0.999**step)
                params[name] -= (lr * mh / (np.sqrt(vh) + 1e-8)).astype(np.float32)
    return {"mean": mean.astype(np.float32), "scale": scale.astype(np.float32), **params}


def _chunk(args: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    return glyph_data.samples(*args)


def dataset(plates: int, seed: int, workers: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of `plates` synthetic plates, rendered in `workers` processes."""
    size = max(1, plates // (8 * workers))
    jobs = [(seed * 1000 + i, size) for i in range(0, max(1, plates // size))]
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(_chunk, jobs))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--plates", type=int, default=10000, help="synthetic plates to learn from")
    p.add_argument("--epochs", type=int, default=25)
    p.add_argument("--out", type=Path, default=glyphs.MODEL_PATH)
    p.add_argument("--data", type=Path, default=None, help="keep the rendered glyphs' features in this .npz")
    args = p.parse_args(argv)
    t0 = time.time()
    if args.data is not None and args.data.is_file():
        with np.load(args.data) as d:
            x, y, xt, yt = d["x"], d["y"], d["xt"], d["yt"]
    else:
        x, y = dataset(args.plates, seed=1)
        xt, yt = dataset(max(200, args.plates // 10), seed=2)
        if args.data is not None:
            np.savez(args.data, x=x, y=y, xt=xt, yt=yt)
    print(f"{len(y)} training glyphs, {len(yt)} held out, fonts {len(glyph_data.fonts())}, {time.time() - t0:.0f} s")
    weights = train(x, y, epochs=args.epochs)
    model = glyphs.Classifier(weights)
    accuracy = float((model.probabilities(xt).argmax(axis=1) == yt).mean())
    print(f"held-out synthetic glyph accuracy {accuracy:.1%}, {time.time() - t0:.0f} s")
    small: dict[str, Any] = {k: v.astype(np.float16) for k, v in weights.items()}
    np.savez_compressed(args.out, **small)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
