"""Fine-tune PP-OCRv6 (small) into the plate recogniser the reader ships (`plates/plate_rec.onnx`):

    nice python -m plates_training.ppocr_tune --minutes 40            # from PaddleOCR's pretrained model
    nice python -m plates_training.ppocr_tune --set export/ --start plates/plate_rec.onnx --out site.onnx

The network and its pretrained weights are PaddleOCR's (`ppocr_base`: the head cut to the plate alphabet). Each
batch is half real plates of the TRAIN part (and of `--set` folders: a lane's own export), changed afresh
(`ppocr_data.real_sample`), `--negatives` of it images that are no plate (`ppocr_data.negatives`: an expiry line,
half a plate, a sticker's lettering), to be read as nothing (0 by default: tried at 10-12%, the tune part read
worse, 92.5% -> 82% of its plates, and the reader's safety checks catch those images), and the rest synthetic plates
(`ppocr_data.synthetic`); the synthetic images are rendered once, seeded. CTC loss, AdamW,
a short warm-up then a cosine fall of the learning rate, batch norms frozen (their statistics are PaddleOCR's).
Every `--every` steps the TUNE part is read (exact plates under the grammar, `plates.ctc.decode_ctc`, as the reader
decodes) and the best checkpoint so far is the one written: the tune part chooses it; the validation part is never
read. Seeded; needs torch, onnx and onnx2torch (the `train` extra).
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from plates import ctc, ppocr
from plates.reading import Image
from plates_training import ppocr_base, ppocr_data

OUT = Path(__file__).resolve().parent.parent / "plates" / "plate_rec.onnx"


def tensor(images: list[Image]) -> tuple[Any, list[int]]:
    """A batch as the model reads it (N x 3 x 48 x W, right-padded with 0: grey) and each image's columns."""
    import torch

    shaped = [ppocr.shaped(im) for im in images]
    width = max(s.shape[1] for s in shaped)
    width += -width % 8
    x = np.zeros((len(shaped), 3, ppocr.HEIGHT, width), np.float32)
    for i, s in enumerate(shaped):
        x[i, :, :, : s.shape[1]] = (s.astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)
    return torch.from_numpy(x), [max(1, s.shape[1] // 8) for s in shaped]


def tune_exact(net: Any, images: list[Image], texts: list[str]) -> tuple[float, float]:
    """Exact plates under the grammar and the mean CTC loss on the tune part."""
    import torch

    right, losses = 0, []
    with torch.no_grad():
        for i in range(0, len(images), 16):
            x, cols = tensor(images[i : i + 16])
            logits = net(x)
            losses.append(float(_loss(logits, cols, texts[i : i + 16])))
            probs = torch.softmax(logits, -1).numpy()
            for p, n, t in zip(probs, cols, texts[i : i + 16], strict=True):
                got = ctc.decode_ctc(p[:n], confidences=False)
                right += got is not None and got.plate.compact == t
    return right / max(len(texts), 1), float(np.mean(losses)) if losses else 0.0


def _loss(logits: Any, cols: list[int], texts: list[str]) -> Any:
    import torch

    logp = torch.log_softmax(logits, -1).transpose(0, 1)  # T x N x C
    targets = torch.tensor([ctc.ALPHABET.index(c) + 1 for t in texts for c in t], dtype=torch.long)
    lengths = torch.tensor([len(t) for t in texts], dtype=torch.long)
    return torch.nn.functional.ctc_loss(
        logp, targets, torch.tensor(cols, dtype=torch.long), lengths, blank=0, zero_infinity=True
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--start", type=Path, default=None, help="an ONNX recogniser to start from (default: PaddleOCR's)")
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--set", type=Path, action="append", default=[], help="a lane's exported set, read whole")
    p.add_argument(
        "--foreign",
        type=Path,
        action="append",
        default=[],
        help="another country's labelled photos (e.g. scenes-eu), read whole: real cameras, another plate grammar",
    )
    p.add_argument("--synthetic", type=int, default=4000, help="synthetic plates rendered (seeded)")
    p.add_argument("--negatives", type=float, default=0.0, help="share of a batch that is no plate")
    p.add_argument("--minutes", type=float, default=40.0)
    p.add_argument("--steps", type=int, default=3000, help="steps the learning rate falls over")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--rate", type=float, default=3e-4, help="peak learning rate")
    p.add_argument("--every", type=int, default=100, help="steps between reads of the tune part")
    p.add_argument("--seed", type=int, default=16)
    args = p.parse_args(argv)
    import torch

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    t0 = time.time()
    real = ppocr_data.part("train") + [it for folder in args.set for it in ppocr_data.read_folder(folder, None)]
    real += [it for folder in args.foreign for it in ppocr_data.read_folder(folder, None, foreign=True)]
    tune_images, tune_texts = ppocr_data.tune_part()
    synth_images, synth_texts = ppocr_data.synthetic(args.seed, args.synthetic)
    nothing = ppocr_data.negatives(args.seed + 1, max(1, int(args.synthetic * args.negatives * 2)))
    print(
        f"{len(real)} real plates, {len(synth_images)} synthetic, {len(nothing)} no plates, {len(tune_texts)} tune; "
        f"{time.time() - t0:.0f} s"
    )
    graph = ppocr_base.plate_graph(args.start or ppocr_base.source())
    net = ppocr_base.to_torch(graph)
    exact, loss = tune_exact(net, tune_images, tune_texts)
    print(f"step 0: tune exact {exact:.1%}, loss {loss:.3f}")
    best_key = (exact, -loss)
    best = {k: v.detach().clone() for k, v in net.state_dict().items()}
    optimiser = torch.optim.AdamW(net.parameters(), lr=args.rate, weight_decay=1e-4)
    warm = min(100, args.steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: (s + 1) / warm if s < warm else 0.5 * (1 + math.cos(math.pi * min(1.0, s / args.steps)))
    )
    step, running = 0, []
    while step < args.steps and time.time() - t0 < args.minutes * 60:
        net.train()
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.eval()
        half = args.batch // 2
        picks = rng.integers(0, len(real), half)
        images = [ppocr_data.real_sample(rng, real[int(i)]) for i in picks]
        texts = [real[int(i)].text for i in picks]
        wrong = round(args.negatives * args.batch)
        for i in rng.integers(0, len(nothing), wrong):
            images.append(ppocr_data.augment(rng, nothing[int(i)]) if rng.random() < 0.5 else nothing[int(i)])
            texts.append("")
        for i in rng.integers(0, len(synth_images), args.batch - half - wrong):
            images.append(ppocr_data.augment(rng, synth_images[int(i)]) if rng.random() < 0.3 else synth_images[int(i)])
            texts.append(synth_texts[int(i)])
        x, cols = tensor(images)
        loss_t = _loss(net(x), cols, texts)
        optimiser.zero_grad()
        loss_t.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        optimiser.step()
        schedule.step()
        running.append(float(loss_t.detach()))
        step += 1
        if step % args.every == 0:
            net.eval()
            exact, loss = tune_exact(net, tune_images, tune_texts)
            mark = ""
            if (exact, -loss) > best_key:
                best_key, mark = (exact, -loss), " (kept)"
                best = {k: v.detach().clone() for k, v in net.state_dict().items()}
            print(
                f"step {step}: train loss {np.mean(running[-args.every :]):.3f}; tune exact {exact:.1%}, "
                f"loss {loss:.3f}{mark}; {time.time() - t0:.0f} s",
                flush=True,
            )
    net.load_state_dict(best)
    net.eval()
    ppocr_base.export(net, graph, args.out)
    check = ppocr.PaddleRec(ppocr.session(args.out))
    right = sum(
        (got := ctc.decode_ctc(check.posteriors([im])[0], confidences=False)) is not None and got.plate.compact == t
        for im, t in zip(tune_images, tune_texts, strict=True)
    )
    print(
        f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB): tune exact {right / len(tune_texts):.1%} "
        f"read back by onnxruntime; {step} steps, {time.time() - t0:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
