#!/usr/bin/env python3
"""Classifies the sample upload with the bundled default model outside AgriTrace, as an independent
check of Fixtures/uploads/sample-expected.json (which is recorded from `agritrace grade` itself).

Nothing of our decoder, resizer or engine is used: the model is exported to ONNX by
Benchmarks/baselines/pipeline_export_onnx.py and run in ONNX Runtime (CPU), and each photo is turned
into the network input the way Sources/Imaging/README.md and Sources/NeuralNet/README.md describe it:
- JPEG decoded by Pillow at the smallest DCT scale (1/8, 1/4, 1/2, 1/1) whose output still covers the
  input size in both axes (forced through draft(), whose own choice can differ), in stored orientation;
- squashed to the input size (no crop) by an exact area average written here from that description:
  output pixel i covers source interval [i*src/dst, (i+1)*src/dst), partly covered pixels weighted by
  the covered fraction (exact integer arithmetic, round half up);
- EXIF orientation applied last (Pillow's ImageOps.exif_transpose), the input size being upright;
- (pixel / 255 - mean) / std per channel, with the model's stored normalisation;
- the model's stored calibration temperature applied to the output: softmax(logits / T).
Pillow's own Image.BOX is not used for the resize: at non-integer ratios (70x50 -> 48x48 for these
photos) it gives each source pixel weight 0 or 1 by where its centre falls, not its covered fraction,
and this small model is sensitive enough to that to change class on about half of the photos.
Decoders and rounding still differ slightly (libjpeg builds, float vs double), so the test that reads
this file only relies on photos whose top class wins by a clear margin.

Writes Fixtures/uploads/sample-independent.json: the model id (SHA-256 of the .agmodel), the tool
versions, and per photo (manifest order) ONNX Runtime's top class, its probability and its margin
over the second most likely class.

Usage: python3 Fixtures/tools/make_sample_independent.py   (needs Pillow, onnx, onnxruntime, numpy)
"""
import csv
import hashlib
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
from fractions import Fraction

import numpy as np
import onnx
import onnxruntime as ort
import PIL
from PIL import Image, ImageOps, features

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MODEL = os.path.join(ROOT, "Sources", "Grading", "Resources", "default.agmodel")
EXPORTER = os.path.join(ROOT, "Benchmarks", "baselines", "pipeline_export_onnx.py")
UPLOAD = os.path.join(ROOT, "Fixtures", "uploads", "sample")
OUT = os.path.join(ROOT, "Fixtures", "uploads", "sample-independent.json")


def area_weights(src, dst):
    """dst x src integer matrix W: row i averages source interval [i*src/dst, (i+1)*src/dst) by
    coverage with weights W[i, j] / src (each covered length is a multiple of 1/dst)."""
    weights = np.zeros((dst, src), np.int64)
    for i in range(dst):
        start, end = Fraction(i * src, dst), Fraction((i + 1) * src, dst)
        for j in range(math.floor(start), math.ceil(end)):
            covered = (min(end, j + 1) - max(start, j)) * dst
            if covered > 0:
                assert covered.denominator == 1
                weights[i, j] = covered.numerator
    return weights


def decode(path, width, height):
    """RGB8 pixels of `path`, upright, squashed to width x height (no crop), as float32."""
    image = Image.open(path)
    orientation = image.getexif().get(0x0112, 1)
    stored_w, stored_h = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    full_w, full_h = image.size
    scale = next(s for s in (8, 4, 2, 1) if -(-full_w // s) >= stored_w and -(-full_h // s) >= stored_h)
    if image.format == "JPEG":
        image.draft("RGB", (full_w // scale, full_h // scale))
        assert image.size == (-(-full_w // scale), -(-full_h // scale)), f"{path}: decoded at {image.size}"
    pixels = np.asarray(image.convert("RGB"), np.int64)
    # Integer sums over the common denominator h*w: exact, so halves round up exactly (and two
    # matrix products instead of one 5-index loop keep 128x128 inputs fast).
    h, w = pixels.shape[:2]
    total = np.einsum("ikc,lk->ilc", np.einsum("ij,jkc->ikc", area_weights(h, stored_h), pixels),
                      area_weights(w, stored_w))
    resized = Image.fromarray(((2 * total + h * w) // (2 * h * w)).clip(0, 255).astype(np.uint8), "RGB")
    resized.info["exif"] = image.info.get("exif", b"")
    upright = ImageOps.exif_transpose(resized)
    assert upright.size == (width, height)
    return np.asarray(upright, np.float32)


def main():
    model_bytes = open(MODEL, "rb").read()
    with tempfile.TemporaryDirectory() as work:
        onnx_path, info_path = os.path.join(work, "model.onnx"), os.path.join(work, "info.json")
        subprocess.run([sys.executable, EXPORTER, MODEL, onnx_path, "--info", info_path], check=True)
        info = json.load(open(info_path))
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
    width, height = info["width"], info["height"]
    mean, std = np.array(info["mean"], np.float32), np.array(info["std"], np.float32)

    with open(os.path.join(UPLOAD, "manifest.csv"), encoding="utf-8-sig", newline="") as f:
        files = [row["file"] for row in csv.DictReader(f)]
    photos = []
    for name in files:
        pixels = (decode(os.path.join(UPLOAD, name), width, height) / np.float32(255) - mean) / std
        output = session.run(None, {session.get_inputs()[0].name: pixels.transpose(2, 0, 1)[None]})[0][0]
        # Calibration as Sources/NeuralNet/README.md specifies it: softmax(logits / T), where a graph
        # ending in a softmax gives its logits as log(max(p, smallest normal float32)).
        temperature = float(info["metadata"].get("calibration_temperature", "1"))
        if not (info["outputs_probabilities"] and temperature == 1):
            logits = output.astype(np.float64)
            if info["outputs_probabilities"]:
                logits = np.log(np.maximum(logits, np.finfo(np.float32).tiny))
            output = np.exp(logits / temperature - (logits / temperature).max())
            output /= output.sum()
        order = np.argsort(-output, kind="stable")   # ties: the lowest index first, like grading
        best, second = int(order[0]), int(order[1])
        photos.append({"file": name, "class": best, "probability": round(float(output[best]), 4),
                       "margin": round(float(output[best] - output[second]), 4)})

    document = {
        "model": hashlib.sha256(model_bytes).hexdigest(),
        "input": {"width": width, "height": height, "mean": info["mean"], "std": info["std"]},
        "tools": {"python": platform.python_version(), "pillow": PIL.__version__,
                  "libjpeg_turbo": features.version("libjpeg_turbo"), "onnx": onnx.__version__,
                  "onnxruntime": ort.__version__, "numpy": np.__version__},
        "photos": photos,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)} ({len(photos)} photos)")


if __name__ == "__main__":
    main()
