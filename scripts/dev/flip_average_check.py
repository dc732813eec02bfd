#!/usr/bin/env python3
"""Does averaging a model's outputs over flipped copies of each photo (test-time flips), or over
two models (an ensemble), grade the validation tomatoes better? Run once by developers to
decide; never by users or tests.

Usage: flip_average_check.py MODEL.onnx MODEL.json FGRADE/train SPLIT.txt [OTHER.onnx]

OTHER.onnx (optional) is a second model with the same input and classes: its rows and the
two models' average are added.

MODEL.onnx and MODEL.json come from `Benchmarks/baselines/pipeline_export_onnx.py MODEL.agmodel
MODEL.onnx --info MODEL.json` (the same network and weights in ONNX Runtime). Photos are squashed
to the model's input size with Pillow's box filter (close to, not identical with, AgriTrace's
decode-to-size), so compare the rows with each other, not with `agritrace eval`. Averages are of
log-probabilities (the same as averaging logits) unless named "mean of probabilities".
Prints macro-F1 for 10 grades, 4 groups (0-1,2-4,5-7,8-9) and 2 groups (0-4,5-9).
"""
import json
import sys

import numpy as np
import onnxruntime as ort
from PIL import Image

GROUPINGS = {"10 grades": list(range(10)), "4 groups": [0, 0, 1, 1, 1, 2, 2, 2, 3, 3],
             "2 groups": [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]}


def macro_f1(predicted, truth, classes):
    scores = []
    for c in range(classes):
        both = np.sum((predicted == c) & (truth == c))
        scores.append(2 * both / max(1, np.sum(predicted == c) + np.sum(truth == c)))
    return float(np.mean(scores))


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    model_path, info_path, data_dir, split_path = sys.argv[1:5]
    other_path = sys.argv[5] if len(sys.argv) == 6 else None
    info = json.load(open(info_path))
    size, mean, std = info["width"], np.array(info["mean"]), np.array(info["std"])
    if not info.get("outputs_probabilities"):
        sys.exit(f"{model_path}: this check expects a model that ends in softmax")
    photos = [line.rstrip("\n").split("\t")[1] for line in open(split_path) if line.startswith("validation\t")]
    if not photos:
        sys.exit(f"{split_path}: no validation photos")
    inputs, truth = [], []
    for name in photos:
        image = Image.open(f"{data_dir}/{name}").convert("RGB").resize((size, size), Image.BOX)
        pixels = np.asarray(image, dtype=np.float32) / 255
        inputs.append(((pixels - mean) / std).astype(np.float32).transpose(2, 0, 1))
        truth.append(info["labels"].index(name.split("/")[0]))
    x, truth = np.stack(inputs), np.array(truth)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1

    def run(batch, path=model_path):
        session = ort.InferenceSession(path, options)
        name = session.get_inputs()[0].name
        return np.concatenate([session.run(None, {name: batch[i:i + 32]})[0] for i in range(0, len(batch), 32)])

    def log_average(*outputs):
        logs = sum(np.log(np.maximum(p, 1e-38)) for p in outputs) / len(outputs)
        e = np.exp(logs - logs.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    plain, mirrored, upside_down = run(x), run(x[:, :, :, ::-1].copy()), run(x[:, :, ::-1, :].copy())
    rows = {"plain": plain, "mirrored only": mirrored, "upside down only": upside_down,
            "plain + mirrored": log_average(plain, mirrored),
            "plain + mirrored + upside down": log_average(plain, mirrored, upside_down),
            "plain + mirrored, mean of probabilities": (plain + mirrored) / 2}
    if other_path:
        other = run(x, other_path)
        rows.update({"other model": other, "model + other": log_average(plain, other),
                     "model + other, mean of probabilities": (plain + other) / 2})
    print(f"{len(photos)} validation photos")
    print("| outputs | " + " | ".join(GROUPINGS) + " |")
    for label, probabilities in rows.items():
        cells = []
        for groups in GROUPINGS.values():
            groups = np.array(groups)
            merged = np.zeros((len(probabilities), groups.max() + 1))
            for c in range(len(groups)):
                merged[:, groups[c]] += probabilities[:, c]
            cells.append(f"{macro_f1(merged.argmax(axis=1), groups[truth], groups.max() + 1):.4f}")
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
