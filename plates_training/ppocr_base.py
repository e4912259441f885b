"""PaddleOCR's PP-OCRv6 (small) text-line recogniser as a plate recogniser to fine-tune, and back to ONNX.

The pretrained model (`plates.ppocr.model_path()`: RapidOCR's package carries it, Apache-2.0) reads 18,708
characters of any script. `plate_graph` keeps its network and cuts its last layer (a 120 x 18,710 linear map and a
softmax) down to the CTC blank and the plate alphabet (`plates.ctc.ALPHABET`, in that order), taking the pretrained
weights of those characters, so the fine-tune starts from what PaddleOCR's training taught it, on the 37 classes a
plate has. Its two 2x2 convolutions padded "SAME_UPPER" are given that padding explicitly (onnx2torch cannot
convert the implicit form; onnxruntime gives the same output either way). `to_torch` turns it into a trainable
torch module (onnx2torch), giving logits (the softmax is left to the loss); `export` writes the trained weights back
into the same ONNX graph, softmax included, with the alphabet as its `character` metadata, so the reader runs it
with onnxruntime exactly as it ran the pretrained model (`plates.ppocr.PaddleRec`). Training only: needs torch,
onnx and onnx2torch (the `train` extra); the reader never imports this.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from plates import ctc, ppocr


def source() -> Path:
    path = ppocr.model_path()
    if path is None:
        raise SystemExit(f"the pretrained recogniser is missing: {ppocr.PACKAGE} is not installed (make setup)")
    return path


def plate_graph(path: Path) -> onnx.ModelProto:
    """The pretrained graph with explicit padding and its head cut to the blank and ALPHABET (softmax kept)."""
    model = onnx.load(str(path))
    for node in model.graph.node:
        attrs = {a.name: a for a in node.attribute}
        if "auto_pad" in attrs and helper.get_attribute_value(attrs["auto_pad"]) == b"SAME_UPPER":
            kernel = helper.get_attribute_value(attrs["kernel_shape"])
            strides = helper.get_attribute_value(attrs["strides"]) if "strides" in attrs else [1, 1]
            if list(kernel) != [2, 2] or any(s != 1 for s in strides):
                raise ValueError(f"unexpected SAME_UPPER node {node.name}: kernel {kernel}")
            node.attribute.remove(attrs["auto_pad"])
            node.attribute.append(helper.make_attribute("pads", [0, 0, 1, 1]))  # a 2x2 window: one more at the end
    meta = {p.key: p.value for p in model.metadata_props}
    characters = meta["character"].splitlines()
    keys = [0] + [characters.index(c) + 1 for c in ctc.ALPHABET]  # class 0 is the blank
    softmax = model.graph.node[-1]
    if softmax.op_type != "Softmax":
        raise ValueError("the recogniser's graph does not end in a softmax")
    inits = {i.name: i for i in model.graph.initializer}
    weight_name, bias_name = _head(model)
    weight = np.asarray(numpy_helper.to_array(inits[weight_name]))
    bias = np.asarray(numpy_helper.to_array(inits[bias_name]))
    for name, kept in ((weight_name, weight[:, keys]), (bias_name, bias[keys])):
        inits[name].CopyFrom(numpy_helper.from_array(np.ascontiguousarray(kept), name))
    del model.graph.value_info[:]  # shapes of the cut head's outputs are inferred afresh
    del model.metadata_props[:]
    helper.set_model_props(model, {"character": "\n".join(ctc.ALPHABET)})
    del model.graph.output[0].type.tensor_type.shape.dim[2:]
    model.graph.output[0].type.tensor_type.shape.dim.add().dim_value = len(keys)
    return model


def _head(model: onnx.ModelProto) -> tuple[str, str]:
    """The names of the last linear map's weight and bias."""
    inits = {i.name for i in model.graph.initializer}
    matmul = next(n for n in reversed(model.graph.node) if n.op_type == "MatMul")
    add = next(n for n in model.graph.node if n.op_type == "Add" and matmul.output[0] in n.input)
    return next(i for i in matmul.input if i in inits), next(i for i in add.input if i in inits)


def logits_graph(model: onnx.ModelProto) -> onnx.ModelProto:
    """The same graph ending before its softmax (the loss takes a log-softmax of its own)."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    softmax = out.graph.node[-1]
    name = out.graph.output[0].name
    out.graph.node.remove(softmax)
    for node in out.graph.node:
        for i, o in enumerate(node.output):
            if o == softmax.input[0]:
                node.output[i] = name
    return out


def to_torch(model: onnx.ModelProto) -> Any:
    """A trainable torch module of `logits_graph(model)`: the float constants onnx2torch keeps as buffers become
    parameters (but scalars: a layer norm's epsilon, a power's exponent). Returned in eval mode (its batch norms
    keep their statistics when trained)."""
    import onnx2torch
    import torch

    net = onnx2torch.convert(logits_graph(model)).eval()
    holder = getattr(net, "initializers", None)
    if holder is not None:
        for name, buf in list(holder.named_buffers(recurse=False)):
            if buf.is_floating_point() and buf.numel() > 1:  # scalars are constants: epsilons, exponents
                delattr(holder, name)
                holder.register_parameter(name, torch.nn.Parameter(buf.clone()))
    return net


def export(net: Any, model: onnx.ModelProto, out: Path) -> None:
    """Write `net`'s trained weights into `model` (the graph `net` was made from) and save it at `out`."""
    values = _weights(net, model)
    trained = onnx.ModelProto()
    trained.CopyFrom(model)
    for init in trained.graph.initializer:
        if init.name in values:
            array = values[init.name].astype(numpy_helper.to_array(init).dtype)
            init.CopyFrom(numpy_helper.from_array(array, init.name))
    onnx.checker.check_model(trained)
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(trained, str(out))


def _weights(net: Any, model: onnx.ModelProto) -> dict[str, np.ndarray]:
    """ONNX initializer name -> its trained value, read through the module graph onnx2torch made (module
    `Op/N` is ONNX node `Op.N`; a `get_attr` of an initializer feeds its user's input at the same place)."""
    import torch

    nodes = {n.name: n for n in model.graph.node}
    out: dict[str, np.ndarray] = {}
    for fx in net.graph.nodes:
        if fx.op == "call_module" and "/" in str(fx.target):
            onnx_node = nodes[str(fx.target).replace("/", ".")]
            module = net.get_submodule(fx.target)
            if isinstance(module, torch.nn.Sequential):  # an asymmetric padding before a convolution
                module = next((m for m in module if isinstance(m, torch.nn.Conv2d)), module)
            if isinstance(module, torch.nn.Conv2d | torch.nn.BatchNorm2d):
                names = list(onnx_node.input[1:])
                tensors = [module.weight, module.bias]
                if isinstance(module, torch.nn.BatchNorm2d):
                    tensors += [module.running_mean, module.running_var]
                for name, t in zip(names, tensors, strict=False):
                    if t is not None:
                        out[name] = t.detach().numpy().copy()
            for k, arg in enumerate(fx.args):
                if isinstance(arg, torch.fx.Node) and arg.op == "get_attr" and k < len(onnx_node.input):
                    target = str(arg.target)
                    value = net.get_parameter(target) if _is_param(net, target) else net.get_buffer(target)
                    out[onnx_node.input[k]] = value.detach().numpy().copy()
    return out


def _is_param(net: Any, target: str) -> bool:
    try:
        net.get_parameter(target)
    except AttributeError:
        return False
    return True
