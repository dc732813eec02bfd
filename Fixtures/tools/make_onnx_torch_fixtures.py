#!/usr/bin/env python3
"""Writes the ONNX fixtures exported from small PyTorch models (deterministic: fixed seed), for the
operators torchvision-style exports use beyond those in make_onnx_fixtures.py.

For each model, in Fixtures/onnx: <name>.onnx, <name>.labels.txt, <name>.input.f32 (3 random images,
little-endian float32 NCHW) and <name>.ort.f32 (ONNX Runtime's outputs for them).

- silu_fire (opset 13): Conv+BN+SiLU (Sigmoid, Mul), Identity and Dropout (inserted after export:
  PyTorch drops them in inference mode), MaxPool ceil_mode, a SqueezeNet fire module (Concat on the
  channel axis), AveragePool ceil_mode, GlobalMaxPool, Gemm.
- se_block_opset13 and se_block_opset18: the same weights exported twice; hard swish (HardSigmoid and
  Mul at opset 13, HardSwish at 18), a squeeze-and-excitation block (ReduceMean over H and W with
  axes as attribute at 13 and as input at 18, HardSigmoid, Mul broadcasting N×C×1×1), Softmax.
- tutorial_dynamo and tutorial_opset13: a tutorial-style model exported by the default exporter
  (dynamo=True, static batch) and by the TorchScript one (dynamo=False, opset 13, dynamic batch):
  in-model normalisation (Sub, Div by [1, C, 1, 1] buffers), nn.ZeroPad2d (TorchScript: a Pad whose
  pads come from ConstantOfShape, Concat, Reshape, Slice, Transpose, Cast), PReLU per channel, Tanh,
  x * 0.5 + 1, x.view(x.size(0), -1) (TorchScript: Shape, Gather, Unsqueeze, Concat, Reshape), Gemm,
  LogSoftmax.

Usage: python3 Fixtures/tools/make_onnx_torch_fixtures.py [tutorial]   (needs torch, onnx, onnxruntime,
numpy; "tutorial" writes only the tutorial fixtures)
"""
import io
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import helper, numpy_helper
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "onnx")


def randomize_batch_norms(module, generator):
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.weight.data = 1 + 0.2 * torch.randn(c, generator=generator)
            m.bias.data = 0.1 * torch.randn(c, generator=generator)
            m.running_mean.data = 0.1 * torch.randn(c, generator=generator)
            m.running_var.data = 0.5 + torch.rand(c, generator=generator)


class Fire(nn.Module):
    def __init__(self, cin, squeeze, expand):
        super().__init__()
        self.squeeze = nn.Sequential(nn.Conv2d(cin, squeeze, 1), nn.ReLU())
        self.expand1 = nn.Conv2d(squeeze, expand, 1)
        self.expand3 = nn.Conv2d(squeeze, expand, 3, padding=1)

    def forward(self, x):
        x = self.squeeze(x)
        return torch.relu(torch.cat([self.expand1(x), self.expand3(x)], 1))


class SiluFire(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6), nn.SiLU())
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.fire = Fire(6, 3, 5)
        self.average = nn.AvgPool2d(3, 2, padding=1, ceil_mode=True, count_include_pad=False)
        self.fc = nn.Linear(10, 4)

    def forward(self, x):
        x = self.average(self.fire(self.pool(self.stem(x))))
        return self.fc(torch.flatten(nn.functional.adaptive_max_pool2d(x, 1), 1))


class SqueezeExcitation(nn.Module):
    def __init__(self, channels, squeezed):
        super().__init__()
        self.reduce = nn.Conv2d(channels, squeezed, 1)
        self.expand = nn.Conv2d(squeezed, channels, 1)

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        return x * nn.functional.hardsigmoid(self.expand(torch.relu(self.reduce(s))))


class SEBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 17, 3, padding=1, bias=False), nn.BatchNorm2d(17), nn.Hardswish())
        self.se = SqueezeExcitation(17, 4)
        self.project = nn.Conv2d(17, 8, 1)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        x = self.project(self.se(self.stem(x)))
        return torch.softmax(self.fc(torch.flatten(x.mean((2, 3), keepdim=True), 1)), 1)


class Tutorial(nn.Module):
    """The kind of CNN a PyTorch tutorial writes, with odd sizes: normalisation inside the model,
    asymmetric zero padding, PReLU, Tanh, an affine rescale, a view-flatten and log-probabilities."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
        self.pad = nn.ZeroPad2d((1, 2, 0, 1))  # left, right, top, bottom
        self.conv1 = nn.Conv2d(3, 6, 3)
        self.prelu = nn.PReLU(6)
        self.conv2 = nn.Conv2d(6, 7, 3, padding=1)
        self.fc = nn.Linear(7 * 4 * 4, 5)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = self.prelu(self.conv1(self.pad(x)))
        x = nn.functional.max_pool2d(torch.tanh(self.conv2(x)), 2)
        x = x * 0.5 + 1.0
        x = x.view(x.size(0), -1)
        return nn.functional.log_softmax(self.fc(x), dim=1)


def export(module, shape, opset):
    buffer = io.BytesIO()
    torch.onnx.export(module, torch.zeros([1] + shape), buffer, input_names=["image"], output_names=["scores"],
                      opset_version=opset, dynamic_axes={"image": {0: "N"}, "scores": {0: "N"}}, dynamo=False)
    return onnx.load_from_string(buffer.getvalue())


def with_onnx_only_nodes(model):
    """Inserts Identity and Dropout (inference: both pass the value through) after the first node, and
    writes the whole-image MaxPool PyTorch exports for adaptive_max_pool2d(x, 1) as GlobalMaxPool."""
    g = model.graph
    whole = [i for i, node in enumerate(g.node) if node.op_type == "MaxPool"][-1]
    g.node[whole].CopyFrom(helper.make_node("GlobalMaxPool", list(g.node[whole].input), list(g.node[whole].output),
                                            name=g.node[whole].name))
    first = g.node[0].output[0]
    for node in g.node[1:]:
        node.input[:] = ["after_dropout" if i == first else i for i in node.input]
    ratio = numpy_helper.from_array(np.array(0.25, dtype=np.float32), "dropout_ratio")
    g.initializer.append(ratio)
    g.node.insert(1, helper.make_node("Identity", [first], ["after_identity"], name="identity"))
    g.node.insert(2, helper.make_node("Dropout", ["after_identity", "dropout_ratio"], ["after_dropout", "dropout_mask"],
                                      name="dropout"))
    onnx.checker.check_model(model)
    return model


def export_dynamo(module, shape):
    """The default exporter as a user calls it: no dynamic shapes, so the batch is 1."""
    program = torch.onnx.export(module, (torch.zeros([1] + shape),), input_names=["image"], output_names=["scores"],
                                dynamo=True, verbose=False)
    model = program.model_proto
    # Its nodes' metadata hold debugging stack traces naming this script's absolute path: dropped, so
    # the file names no machine and re-running gives the same bytes.
    for node in model.graph.node:
        del node.metadata_props[:]
    del model.metadata_props[:]
    return model


def write(name, model, shape, classes, images):
    onnx.save(model, os.path.join(OUT, f"{name}.onnx"))
    with open(os.path.join(OUT, f"{name}.labels.txt"), "w") as f:
        f.write("".join(f"class {i}\n" for i in range(classes)))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    # One image per run: a model exported with a batch of 1 takes no other.
    outputs = np.concatenate([session.run(None, {"image": images[i:i + 1]})[0] for i in range(len(images))]).astype(np.float32)
    assert outputs.shape == (3, classes)
    images.astype("<f4").tofile(os.path.join(OUT, f"{name}.input.f32"))
    outputs.astype("<f4").tofile(os.path.join(OUT, f"{name}.ort.f32"))
    print(f"{name}: input {images.shape}, output {outputs.shape}, opset {model.opset_import[0].version}, "
          f"torch {torch.__version__}, onnxruntime {ort.__version__}")


def tutorial():
    torch.manual_seed(20261207)
    rng = np.random.default_rng(20261207)
    model = Tutorial()
    model.prelu.weight.data = torch.linspace(-0.3, 0.6, 6)  # one slope per channel, one of them negative
    model.eval()
    shape = [3, 9, 7]
    images = rng.random([3] + shape).astype(np.float32)  # pixels in 0...1, as the normalisation expects
    write("tutorial_dynamo", export_dynamo(model, shape), shape, 5, images)
    write("tutorial_opset13", export(model, shape, 13), shape, 5, images)


def main():
    if sys.argv[1:] == ["tutorial"]:
        tutorial()
        return
    torch.manual_seed(20261206)
    generator = torch.Generator().manual_seed(20261206)
    rng = np.random.default_rng(20261206)

    fire = SiluFire()
    randomize_batch_norms(fire, generator)
    fire.eval()
    shape = [3, 16, 13]  # odd width; 16 rows so that ceil_mode adds a window
    write("silu_fire", with_onnx_only_nodes(export(fire, shape, 13)), shape, 4,
          rng.standard_normal([3] + shape).astype(np.float32))

    se = SEBlock()
    randomize_batch_norms(se, generator)
    se.eval()
    shape = [3, 9, 11]
    images = rng.standard_normal([3] + shape).astype(np.float32) * 3  # reaches both hard-swish bends
    for opset in (13, 18):
        write(f"se_block_opset{opset}", export(se, shape, opset), shape, 5, images)

    tutorial()


if __name__ == "__main__":
    main()
