#!/usr/bin/env python3
"""Writes the ONNX cross-check fixtures in Fixtures/onnx (deterministic: fixed seed).

For each model: <name>.onnx (random weights), <name>.labels.txt, <name>.input.f32 (3 random images,
raw little-endian float32 NCHW) and <name>.ort.f32 (ONNX Runtime's outputs for those images, the
expected values of the engine's cross-check tests). unsupported.onnx contains operators the importer
must refuse by name (Erf and Softplus).

Usage: python3 Fixtures/tools/make_onnx_fixtures.py   (needs onnx, onnxruntime, numpy)
"""
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "onnx")
rng = np.random.default_rng(20251127)


class Builder:
    def __init__(self, name):
        self.name, self.nodes, self.inits, self.count = name, [], [], 0

    def fresh(self, prefix):
        self.count += 1
        return f"{prefix}{self.count}"

    def const(self, prefix, array):
        name = self.fresh(prefix)
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(self, op, inputs, prefix=None, **attrs):
        out = self.fresh(prefix or op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=f"{op}_{self.count}", **attrs))
        return out

    def conv(self, x, cin, cout, k, stride=1, pad=0, groups=1, bias=True):
        fan_in = cin // groups * k * k
        w = self.const("w", (rng.standard_normal((cout, cin // groups, k, k)) * np.sqrt(2 / fan_in)).astype(np.float32))
        inputs = [x, w] + ([self.const("b", (rng.standard_normal(cout) * 0.1).astype(np.float32))] if bias else [])
        return self.node("Conv", inputs, kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4, group=groups)

    def bn(self, x, c):
        return self.node("BatchNormalization", [
            x,
            self.const("gamma", (1 + 0.2 * rng.standard_normal(c)).astype(np.float32)),
            self.const("beta", (0.1 * rng.standard_normal(c)).astype(np.float32)),
            self.const("mean", (0.1 * rng.standard_normal(c)).astype(np.float32)),
            self.const("var", (0.5 + rng.random(c)).astype(np.float32)),
        ], epsilon=1e-5)

    def model(self, x_shape, out, classes):
        graph = helper.make_graph(
            self.nodes, self.name,
            [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N"] + x_shape)],
            [helper.make_tensor_value_info(out, TensorProto.FLOAT, ["N", classes])],
            self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="agritrace-fixtures")
        m.ir_version = 8
        onnx.checker.check_model(m)
        return m


def plain_cnn():
    b = Builder("plain_cnn")
    x = b.conv("image", 3, 8, 3, pad=1, bias=False)
    x = b.node("Relu", [b.bn(x, 8)])
    x = b.node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = b.conv(x, 8, 16, 3, stride=2, pad=1)
    x = b.node("Clip", [x, b.const("min", np.float32(0)), b.const("max", np.float32(6))])
    x = b.node("AveragePool", [x], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1], count_include_pad=0)
    x = b.conv(x, 16, 12, 1)
    x = b.node("LeakyRelu", [x], alpha=0.1)
    x = b.node("Flatten", [x], axis=1)
    fc = b.const("fc", (rng.standard_normal((5, 12 * 4 * 4)) * 0.1).astype(np.float32))
    x = b.node("Gemm", [x, fc, b.const("fcb", (rng.standard_normal(5) * 0.1).astype(np.float32))], transB=1)
    return b.model([3, 16, 16], x, 5), [3, 16, 16], 5  # logits: compared without a softmax in between


def mobile_block():
    b = Builder("mobile_block")
    x = b.conv("image", 3, 16, 3, stride=2, pad=1, bias=False)
    x = b.node("Clip", [b.bn(x, 16), b.const("min", np.float32(0)), b.const("max", np.float32(6))])
    shortcut = x
    y = b.conv(x, 16, 16, 3, pad=1, groups=16, bias=False)
    y = b.node("Relu", [b.bn(y, 16)])
    y = b.bn(b.conv(y, 16, 16, 1, bias=False), 16)
    x = b.node("Add", [y, shortcut])
    x = b.conv(x, 16, 16, 3, stride=2, pad=1, groups=16)
    x = b.node("Relu", [x])
    x = b.node("GlobalAveragePool", [x])
    x = b.node("Reshape", [x, b.const("shape", np.array([0, -1], dtype=np.int64))])
    x = b.node("MatMul", [x, b.const("fc", (rng.standard_normal((16, 7)) * 0.3).astype(np.float32))])
    x = b.node("Add", [x, b.const("fcb", (rng.standard_normal(7) * 0.1).astype(np.float32))])
    return b.model([3, 24, 20], b.node("Softmax", [x], axis=-1), 7), [3, 24, 20], 7


def unsupported():
    b = Builder("unsupported")
    x = b.conv("image", 3, 4, 3, pad=1)
    x = b.node("Softplus", [b.node("Erf", [x])])
    x = b.node("GlobalAveragePool", [x])
    x = b.node("Flatten", [x])
    return b.model([3, 8, 8], x, 4), [3, 8, 8], 4


def main():
    os.makedirs(OUT, exist_ok=True)
    for make in (plain_cnn, mobile_block, unsupported):
        model, shape, classes = make()
        name = model.graph.name
        onnx.save(model, os.path.join(OUT, f"{name}.onnx"))
        with open(os.path.join(OUT, f"{name}.labels.txt"), "w") as f:
            f.write("".join(f"class {i}\n" for i in range(classes)))
        if name == "unsupported":
            continue
        images = rng.standard_normal([3] + shape).astype(np.float32)
        session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        outputs = session.run(None, {"image": images})[0].astype(np.float32)
        images.astype("<f4").tofile(os.path.join(OUT, f"{name}.input.f32"))
        outputs.astype("<f4").tofile(os.path.join(OUT, f"{name}.ort.f32"))
        print(f"{name}: input {images.shape}, output {outputs.shape}, onnxruntime {ort.__version__}")


if __name__ == "__main__":
    main()
