#!/usr/bin/env python3
"""Writes the two benchmark networks as ONNX (random weights, fixed seed) into OUT_DIR:

- plain4_96.onnx: a plain 4-convolution CNN at 96x96 (3x3 convs 3-32-64-128-128 with ReLU, 2x2 max
  pooling between them, global average pooling, a 10-way Gemm, Softmax).
- mobilenet_128.onnx: MobileNet-v1 layout at width 0.5 and 128x128 (strided 3x3 stem, 13
  depthwise-separable blocks, each depthwise 3x3 and pointwise 1x1 followed by BatchNormalization and
  ReLU6 as Clip(0, 6); global average pooling, a 10-way Gemm, Softmax).

Usage: python3 engine_models.py OUT_DIR      (needs onnx, numpy)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)


class Builder:
    def __init__(self):
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, prefix):
        self.count += 1
        return f"{prefix}{self.count}"

    def const(self, array):
        n = self.name("w")
        self.inits.append(numpy_helper.from_array(np.asarray(array, dtype=np.float32), n))
        return n

    def node(self, op, inputs, **attrs):
        out = self.name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def conv(self, x, cin, cout, k, stride=1, groups=1, bias=True):
        w = rng.standard_normal((cout, cin // groups, k, k)) * np.sqrt(2 / (cin // groups * k * k))
        inputs = [x, self.const(w)] + ([self.const(rng.standard_normal(cout) * 0.05)] if bias else [])
        return self.node("Conv", inputs, kernel_shape=[k, k], strides=[stride, stride], pads=[k // 2] * 4, group=groups)

    def bn_relu6(self, x, c):
        x = self.node("BatchNormalization", [x, self.const(1 + 0.1 * rng.standard_normal(c)), self.const(0.1 * rng.standard_normal(c)),
                                             self.const(0.1 * rng.standard_normal(c)), self.const(0.5 + rng.random(c))])
        return self.node("Clip", [x, self.const(np.float32(0)), self.const(np.float32(6))])

    def head(self, x, c, classes=10):
        x = self.node("GlobalAveragePool", [x])
        x = self.node("Flatten", [x])
        x = self.node("Gemm", [x, self.const(rng.standard_normal((classes, c)) * 0.1), self.const(np.zeros(classes))], transB=1)
        return self.node("Softmax", [x], axis=1)

    def model(self, name, size, out):
        graph = helper.make_graph(self.nodes, name,
                                  [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, size, size])],
                                  [helper.make_tensor_value_info(out, TensorProto.FLOAT, ["N", 10])], self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        m.ir_version = 8
        onnx.checker.check_model(m)
        return m


def plain4():
    b = Builder()
    x, c = "image", 3
    for i, cout in enumerate([32, 64, 128, 128]):
        x = b.node("Relu", [b.conv(x, c, cout, 3)])
        if i < 3:
            x = b.node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
        c = cout
    return b.model("plain4_96", 96, b.head(x, c))


def mobilenet(width=0.5):
    b = Builder()
    ch = lambda n: int(n * width)
    x = b.bn_relu6(b.conv("image", 3, ch(32), 3, stride=2, bias=False), ch(32))
    c = ch(32)
    blocks = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
    for cout, stride in blocks:
        x = b.bn_relu6(b.conv(x, c, c, 3, stride=stride, groups=c, bias=False), c)
        x = b.bn_relu6(b.conv(x, c, ch(cout), 1, bias=False), ch(cout))
        c = ch(cout)
    return b.model("mobilenet_128", 128, b.head(x, c))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    for m in (plain4(), mobilenet()):
        onnx.save(m, os.path.join(out, f"{m.graph.name}.onnx"))
        with open(os.path.join(out, f"{m.graph.name}.labels.txt"), "w") as f:
            f.write("".join(f"class {i}\n" for i in range(10)))
        print(f"wrote {m.graph.name}.onnx")


if __name__ == "__main__":
    main()
