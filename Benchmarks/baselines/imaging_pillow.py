#!/usr/bin/env python3
"""Pillow baseline for ImagingBench (run by it; prints JSON).

  make-large OUT_DIR COUNT SOURCE...   writes COUNT 4000x3000 (12 MP) JPEGs made from the source
                                       photos: bicubic upscale plus seeded sensor-like noise
                                       (sigma 4), quality 92, 4:2:0, like a phone camera's output.
  bench TARGET PASSES FILE...          single-thread timings of Pillow on the files, read into
                                       memory first; prints {"full": s, "draft_box": s,
                                       "full_box": s, "draft_default": s}, each the best pass over all files, in
                                       thread CPU seconds.

Pipelines timed (Pillow's own libjpeg-turbo does the decoding):
  full       Image.open(BytesIO(b)).convert("RGB")       (full-resolution decode)
  draft_box  open, draft("RGB", (T, T)), resize((T, T), BOX)   (DCT-scaled decode + area resize,
             the same algorithm as AgriTrace's fast path)
  full_box   open, resize((T, T), BOX) without draft       (what code without draft() does)
  draft_default  open, draft, resize((T, T)) with Pillow's default filter (bicubic): the usual
             Pillow idiom, a different (costlier) filter, shown for context only
"""
import io
import json
import os
import sys
import time

import numpy as np
from PIL import Image


def make_large(out_dir, count, sources):
    rng = np.random.default_rng(12)
    paths = []
    for i in range(count):
        source = Image.open(sources[i % len(sources)]).convert("RGB")
        big = np.asarray(source.resize((4000, 3000), Image.Resampling.BICUBIC), dtype=np.float32)
        big += rng.normal(0, 4, big.shape).astype(np.float32)
        image = Image.fromarray(np.clip(big + 0.5, 0, 255).astype(np.uint8))
        path = os.path.join(out_dir, f"large-{i}.jpg")
        image.save(path, quality=92, subsampling=2)
        paths.append(path)
    print(json.dumps(paths))


def best_pass(passes, blobs, body):
    best = float("inf")
    for _ in range(passes):
        start = time.thread_time()
        for blob in blobs:
            body(blob)
        best = min(best, time.thread_time() - start)
    return best


def bench(target, passes, files):
    blobs = [open(f, "rb").read() for f in files]
    size = (target, target)

    def full(blob):
        Image.open(io.BytesIO(blob)).convert("RGB")

    def draft_box(blob):
        image = Image.open(io.BytesIO(blob))
        image.draft("RGB", size)
        image.convert("RGB").resize(size, Image.Resampling.BOX)

    def full_box(blob):
        Image.open(io.BytesIO(blob)).convert("RGB").resize(size, Image.Resampling.BOX)

    def draft_default(blob):
        image = Image.open(io.BytesIO(blob))
        image.draft("RGB", size)
        image.convert("RGB").resize(size)

    result = {name: best_pass(passes, blobs, body)
              for name, body in (("full", full), ("draft_box", draft_box), ("full_box", full_box),
                                 ("draft_default", draft_default))}
    print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1] == "make-large":
        make_large(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
    elif sys.argv[1] == "bench":
        bench(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:])
    else:
        sys.exit(f"unknown mode {sys.argv[1]}")
