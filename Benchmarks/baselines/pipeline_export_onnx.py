#!/usr/bin/env python3
"""Exports an AgriTrace `.agmodel` (format version 1, Sources/NeuralNet/README.md) to ONNX, so
the Python baseline runs exactly the same network and weights in ONNX Runtime.

Usage: pipeline_export_onnx.py MODEL.agmodel OUT.onnx [--info OUT.json]

--info writes the model's input size, normalisation, labels and metadata (e.g. its calibration
temperature) as JSON (for the baseline).
Weights are already in ONNX layouts (convolution OIHW, dense [out][in] = Gemm transB=1); batch
normalisation, activations, pooling, add, flatten and softmax map one to one.
"""
import argparse
import json
import struct

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class Reader:
    def __init__(self, data):
        self.data, self.offset = data, 0

    def u32(self):
        (value,) = struct.unpack_from("<I", self.data, self.offset)
        self.offset += 4
        return value

    def f32(self):
        (value,) = struct.unpack_from("<f", self.data, self.offset)
        self.offset += 4
        return value

    def string(self):
        n = self.u32()
        text = self.data[self.offset:self.offset + n].decode("utf-8")
        self.offset += n
        return text

    def tensor(self):
        n = self.u32()
        values = np.frombuffer(self.data, "<f4", n, self.offset).astype(np.float32)
        self.offset += 4 * n
        return values


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("out")
    parser.add_argument("--info")
    args = parser.parse_args()
    r = Reader(open(args.model, "rb").read())
    assert r.data[:8] == b"AGMODEL\0", "not an .agmodel file"
    r.offset = 8
    assert r.u32() == 1, "only format version 1 is supported"
    channels, height, width = r.u32(), r.u32(), r.u32()
    mean = [r.f32() for _ in range(channels)]
    std = [r.f32() for _ in range(channels)]
    labels = [r.string() for _ in range(r.u32())]
    metadata = {}
    for _ in range(r.u32()):
        key = r.string()
        metadata[key] = r.string()

    nodes, initializers = [], []
    rank = {"input": 4}
    channels_of = {"input": channels}

    def weight(name, values, shape):
        initializers.append(numpy_helper.from_array(values.reshape(shape), name))
        return name

    for _ in range(r.u32()):
        name = r.string()
        code = r.u32()
        inputs = [r.string() for _ in range(r.u32())]
        x = inputs[0]
        if code == 1:  # convolution
            out, kh, kw, sy, sx, pt, pl, pb, pr, groups = (r.u32() for _ in range(10))
            w, b = r.tensor(), r.tensor()
            cin = channels_of[x]
            names = [x, weight(name + ".w", w, (out, cin // groups, kh, kw))]
            if len(b):
                names.append(weight(name + ".b", b, (out,)))
            nodes.append(helper.make_node("Conv", names, [name], kernel_shape=[kh, kw], strides=[sy, sx],
                                          pads=[pt, pl, pb, pr], group=groups))
            channels_of[name], rank[name] = out, 4
        elif code == 2:  # batch normalisation
            eps = r.f32()
            scale, bias, m, v = r.tensor(), r.tensor(), r.tensor(), r.tensor()
            c = len(scale)
            nodes.append(helper.make_node("BatchNormalization",
                                          [x] + [weight(f"{name}.{k}", t, (c,)) for k, t in
                                                 (("scale", scale), ("bias", bias), ("mean", m), ("var", v))],
                                          [name], epsilon=eps))
            channels_of[name], rank[name] = c, rank[x]
        elif code in (3, 4, 5, 6):  # relu, relu6, clip, leaky relu
            if code == 3:
                nodes.append(helper.make_node("Relu", [x], [name]))
            elif code == 6:
                nodes.append(helper.make_node("LeakyRelu", [x], [name], alpha=r.f32()))
            else:
                lo, hi = (0.0, 6.0) if code == 4 else (r.f32(), r.f32())
                nodes.append(helper.make_node("Clip", [x, weight(name + ".min", np.array(lo, np.float32), ()),
                                                        weight(name + ".max", np.array(hi, np.float32), ())], [name]))
            channels_of[name], rank[name] = channels_of[x], rank[x]
        elif code in (7, 8):  # max / average pool
            kh, kw, sy, sx, pt, pl, pb, pr = (r.u32() for _ in range(8))
            attrs = dict(kernel_shape=[kh, kw], strides=[sy, sx], pads=[pt, pl, pb, pr])
            if code == 8:
                attrs["count_include_pad"] = r.u32()
            nodes.append(helper.make_node("MaxPool" if code == 7 else "AveragePool", [x], [name], **attrs))
            channels_of[name], rank[name] = channels_of[x], 4
        elif code == 9:
            nodes.append(helper.make_node("GlobalAveragePool", [x], [name]))
            channels_of[name], rank[name] = channels_of[x], 4
        elif code == 10:
            nodes.append(helper.make_node("Add", inputs, [name]))
            channels_of[name], rank[name] = channels_of[x], rank[x]
        elif code == 11:
            nodes.append(helper.make_node("Flatten", [x], [name], axis=1))
            channels_of[name], rank[name] = None, 2
        elif code == 12:  # dense
            out = r.u32()
            w, b = r.tensor(), r.tensor()
            if rank[x] != 2:
                nodes.append(helper.make_node("Flatten", [x], [name + ".flat"], axis=1))
                x = name + ".flat"
            names = [x, weight(name + ".w", w, (out, len(w) // out))]
            if len(b):
                names.append(weight(name + ".b", b, (out,)))
            nodes.append(helper.make_node("Gemm", names, [name], transB=1))
            channels_of[name], rank[name] = out, 2
        elif code == 13:
            nodes.append(helper.make_node("Softmax", [x], [name], axis=1))
            channels_of[name], rank[name] = channels_of[x], rank[x]
        else:
            raise SystemExit(f"unknown operation code {code} in node {name}")
    output = r.string()
    if rank[output] != 2:
        nodes.append(helper.make_node("Flatten", [output], [output + ".flat"], axis=1))
        output += ".flat"
    graph = helper.make_graph(nodes, "agmodel",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", channels, height, width])],
                              [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["N", len(labels)])],
                              initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, args.out)
    if args.info:
        softmax_last = any(n.op_type == "Softmax" for n in nodes[-2:])
        with open(args.info, "w") as f:
            json.dump({"width": width, "height": height, "mean": mean, "std": std, "labels": labels,
                       "outputs_probabilities": softmax_last, "metadata": metadata}, f)


if __name__ == "__main__":
    main()
