"""The line recogniser's network in torch, its CTC training and its ONNX export: used by
`plates_training.line_train` only (torch is the optional `train` extra; the reader runs the exported file with
OpenCV, `plates.line_net`).

`build()` is a plain `nn.Sequential` of conv / batch norm / ReLU / max pooling that brings the HEIGHT x WIDTH view
down to one row of WIDTH/4 columns, and a 1x1 convolution to the CTC classes: nothing OpenCV's DNN module cannot
run. `fit` trains it with Adam on CTC loss, the learning rate falling on a cosine over the time allowed; `export`
writes the ONNX file and checks that OpenCV's output equals torch's.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import cv2
import numpy as np
import torch
from torch import nn

from plates import ctc, line_net

SEED = 11


def _block(cin: int, cout: int, kernel: tuple[int, int] = (3, 3), pad: tuple[int, int] = (1, 1)) -> list[Any]:
    return [nn.Conv2d(cin, cout, kernel, padding=pad, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


def build(folded: bool = False) -> Any:
    """The network: 1 x HEIGHT x WIDTH in, CLASSES x 1 x WIDTH/4 logits out. `folded`: each batch norm folded into
    the convolution before it (convolutions with a bias), as the ONNX export has it, to train an exported network
    further (`from_onnx`)."""
    if folded:
        layers: list[Any] = [m for m in build() if not isinstance(m, nn.BatchNorm2d)]
        return nn.Sequential(
            *(
                nn.Conv2d(m.in_channels, m.out_channels, cast(Any, m).kernel_size, padding=cast(Any, m).padding)
                if isinstance(m, nn.Conv2d)
                else m
                for m in layers
            )
        )
    return nn.Sequential(
        *_block(1, 24),
        nn.MaxPool2d(2, 2),  # 16 x 80
        *_block(24, 48),
        nn.MaxPool2d(2, 2),  # 8 x 40
        *_block(48, 64),
        *_block(64, 64),
        nn.MaxPool2d((2, 1), (2, 1)),  # 4 x 40
        *_block(64, 96),
        *_block(96, 96),
        nn.MaxPool2d((2, 1), (2, 1)),  # 2 x 40
        *_block(96, 160, (2, 3), (0, 1)),  # 1 x 40
        nn.Dropout(0.1),
        nn.Conv2d(160, line_net.CLASSES, 1),
    )


def from_onnx(path: Path) -> Any:
    """The folded network (`build(folded=True)`) with the weights of an exported ONNX file."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    weights = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    net = build(folded=True)
    convs = [m for m in net if isinstance(m, nn.Conv2d)]
    nodes = [n for n in graph.node if n.op_type == "Conv"]
    if len(nodes) != len(convs):
        raise ValueError(f"{path}: {len(nodes)} convolutions, the network has {len(convs)}")
    with torch.no_grad():
        for conv, node in zip(convs, nodes, strict=True):
            conv.weight.copy_(torch.from_numpy(weights[node.input[1]].copy()))
            assert conv.bias is not None  # the folded network's convolutions have one
            conv.bias.copy_(torch.from_numpy(weights[node.input[2]].copy()))
    return net


def augment(views: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Views (N x HEIGHT x WIDTH uint8) each moved, scaled and turned a little, and now and then blurred, bent in
    brightness (gamma) or given noise: cheap changes made afresh at every step, so the network cannot learn the
    rendered views by heart."""
    out = np.empty_like(views)
    h, w = views.shape[1:]
    for i, v in enumerate(views):
        sx, sy = rng.uniform(0.9, 1.1), rng.uniform(0.9, 1.1)
        m = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-2.0, 2.0), 1.0)
        m[0] *= sx
        m[1] *= sy
        m[:, 2] += (w / 2 * (1 - sx) + rng.uniform(-4, 4), h / 2 * (1 - sy) + rng.uniform(-2, 2))
        a = cv2.warpAffine(v, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        if rng.random() < 0.3:
            a = cv2.GaussianBlur(a, (0, 0), rng.uniform(0.4, 1.2))
        f = a.astype(np.float32)
        if rng.random() < 0.3:
            f = 255.0 * (f / 255.0) ** rng.uniform(0.6, 1.6)
        if rng.random() < 0.3:
            f += rng.normal(0.0, rng.uniform(3.0, 12.0), f.shape)
        out[i] = np.clip(f, 0, 255).astype(np.uint8)
    return out


def _targets(texts: list[str]) -> tuple[Any, Any]:
    labels = [ctc.ALPHABET.index(c) + 1 for t in texts for c in t]
    return torch.tensor(labels, dtype=torch.long), torch.tensor([len(t) for t in texts], dtype=torch.long)


def _exact(net: Any, x: np.ndarray, texts: list[str]) -> float:
    net.eval()
    right = 0
    with torch.no_grad():
        for i in range(0, len(x), 256):
            logits = net(torch.from_numpy(line_net.blob(list(x[i : i + 256]))))
            probs = torch.softmax(logits[:, :, 0, :], dim=1).permute(0, 2, 1).numpy()
            right += sum(ctc.greedy(p) == t for p, t in zip(probs, texts[i : i + 256], strict=True))
    net.train()
    return right / max(1, len(texts))


def fit(
    data: Callable[[], tuple[np.ndarray, list[str]]],
    xv: np.ndarray,
    tv: list[str],
    epochs: int = 8,
    minutes: float = 40.0,
    batch: int = 64,
    rate: float = 2e-3,
    size: int = 48000,
    start: Any = None,
    augmented: bool = False,
) -> Any:
    """The network trained on views (N x HEIGHT x WIDTH uint8) and their texts from `data()`, called again at each
    epoch (so views still being rendered join in); `xv`, `tv` held out. The schedule assumes `size` views. `start`:
    a network to train further instead of a new one (then with a shorter warm-up). `augmented`: each batch changed
    afresh by `augment`."""
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    rng = np.random.default_rng(SEED)
    net = build() if start is None else start
    warm = 300 if start is None else 100  # a network trained further warms up too: Adam starts afresh
    loss_fn = nn.CTCLoss(blank=ctc.BLANK, zero_infinity=True)
    opt = torch.optim.AdamW(net.parameters(), lr=rate, weight_decay=1e-4)
    start, budget = time.time(), minutes * 60.0
    total = epochs * (size // batch)
    step = 0
    for epoch in range(epochs):
        x, texts = data()
        steps_per_epoch = len(x) // batch
        order = rng.permutation(len(x))
        print(f"epoch {epoch + 1}: {len(x)} views", flush=True)
        running = 0.0
        for b in range(steps_per_epoch):
            progress = max(step / total, (time.time() - start) / budget)
            if progress >= 1.0:
                break
            for group in opt.param_groups:
                group["lr"] = rate * min(1.0, step / warm) * 0.5 * (1 + math.cos(math.pi * progress))
            idx = order[b * batch : (b + 1) * batch]
            views = x[idx]
            flip = rng.random(len(idx)) < 0.1  # now and then the other polarity
            views = np.where(flip[:, None, None], 255 - views, views)
            if augmented:
                views = augment(views, rng)
            inputs = torch.from_numpy(line_net.blob(list(views)))
            labels, lengths = _targets([texts[i] for i in idx])
            logp = torch.log_softmax(net(inputs)[:, :, 0, :], dim=1).permute(2, 0, 1)  # T x N x C
            widths = torch.full((len(idx),), logp.shape[0], dtype=torch.long)
            loss = loss_fn(logp, labels, widths, lengths)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
            running += float(loss)
            step += 1
            if step % 100 == 0:
                print(
                    f"  step {step} loss {running / 100:.3f} lr {opt.param_groups[0]['lr']:.5f} "
                    f"{time.time() - start:.0f} s",
                    flush=True,
                )
                running = 0.0
        print(
            f"epoch {epoch + 1}: held-out greedy exact {_exact(net, xv, tv):.1%}, {time.time() - start:.0f} s",
            flush=True,
        )
        if time.time() - start >= budget:
            break
    return net.eval()


def export(net: Any, path: Path) -> None:
    """Write the network as ONNX and check OpenCV's DNN output against torch's on a random batch."""
    net.eval()
    dummy = torch.randn(1, 1, line_net.HEIGHT, line_net.WIDTH)
    torch.onnx.export(
        net,
        (dummy,),
        str(path),
        input_names=["view"],
        output_names=["logits"],
        opset_version=13,
        dynamic_axes={"view": {0: "n"}, "logits": {0: "n"}},
        dynamo=False,
    )
    probe = torch.randn(3, 1, line_net.HEIGHT, line_net.WIDTH)
    with torch.no_grad():
        want = net(probe).numpy()
    dnn = cv2.dnn.readNetFromONNX(str(path))
    dnn.setInput(probe.numpy())
    got = np.asarray(dnn.forward())
    err = float(np.abs(got - want).max())
    if got.shape != want.shape or err > 1e-3:
        raise RuntimeError(f"OpenCV's output differs from torch's: shapes {got.shape} {want.shape}, max error {err}")
    print(f"OpenCV DNN matches torch: max abs difference {err:.2e}")
