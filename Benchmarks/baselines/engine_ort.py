#!/usr/bin/env python3
"""ONNX Runtime baseline for EngineBench: times one ONNX model on random input and prints one JSON line.

Latency: batch 1, the best (minimum) wall time per run over at least SECONDS seconds.
Throughput: batch 32, images per second from the best run.
Usage: python3 engine_ort.py MODEL.onnx --threads N --batch N [--seconds S] [--input FILE.f32]
(needs onnxruntime, numpy). With --input, the images come from that raw float32 file (the same
input the Swift engine times), repeated to fill the batch.
"""
import argparse
import json
import time

import numpy as np
import onnxruntime as ort


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--seconds", type=float, default=2.0)
    p.add_argument("--input")
    a = p.parse_args()

    options = ort.SessionOptions()
    options.intra_op_num_threads = a.threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(a.model, options, providers=["CPUExecutionProvider"])
    shape = session.get_inputs()[0].shape
    per_image = [int(d) for d in shape[1:]]
    if a.input:
        images = np.fromfile(a.input, dtype="<f4").reshape([-1] + per_image)
        x = np.resize(images, [a.batch] + per_image).astype(np.float32)
    else:
        x = np.random.default_rng(1).uniform(-1, 1, [a.batch] + per_image).astype(np.float32)
    name = session.get_inputs()[0].name
    for _ in range(3):
        session.run(None, {name: x})
    times = []
    start = time.perf_counter()
    while len(times) < 5 or time.perf_counter() - start < a.seconds:
        t0 = time.perf_counter()
        session.run(None, {name: x})
        times.append(time.perf_counter() - t0)
    times.sort()
    print(json.dumps({
        "runtime": f"onnxruntime {ort.__version__}", "threads": a.threads, "batch": a.batch, "runs": len(times),
        "best_ms": times[0] * 1000, "median_ms": times[len(times) // 2] * 1000,
        "images_per_second": a.batch / times[0],
    }))


if __name__ == "__main__":
    main()
