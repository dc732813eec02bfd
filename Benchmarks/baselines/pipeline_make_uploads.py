#!/usr/bin/env python3
"""Makes the two uploads PipelineBench grades (never committed; regenerated when missing).

Usage: pipeline_make_uploads.py FGRADE_TRAIN_DIR OUT_DIR [--small N] [--large N]

  OUT_DIR/small/  N (default 1000) FGrade photos as they are, 20 lots, manifest.csv
  OUT_DIR/large/  N (default 500) generated 12-megapixel (4000x3000) phone-size JPEGs, 10 lots:
                  FGrade photos upscaled, with sensor-like noise so they compress like real
                  photos (3-4 MB each at quality 92), each one different (shifted, mirrored).
"""
import argparse
import csv
import io
import os
import shutil
import sys
from multiprocessing import Pool

import numpy as np
from PIL import Image

HEADER = ["file", "lot_code", "origin_code", "farm_id", "crop", "harvest_date"]


def fgrade_files(root):
    files = []
    for cls in range(10):
        folder = os.path.join(root, str(cls))
        files += [os.path.join(folder, f) for f in sorted(os.listdir(folder))]
    return files


def write_manifest(folder, names, lots):
    per_lot = (len(names) + lots - 1) // lots
    with open(os.path.join(folder, "manifest.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(HEADER)
        for i, name in enumerate(names):
            lot = i // per_lot
            w.writerow([name, f"BENCH-{lot:03d}", f"VN-BENCH-{lot % 4:02d}", f"F-{lot % 4:02d}", "cà chua", "2026-11-03"])


def make_small(root, out, count):
    folder = os.path.join(out, "small")
    if count == 0 or os.path.exists(os.path.join(folder, "manifest.csv")):
        return
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    files = fgrade_files(root)
    # Every k-th file so all ten classes are represented.
    step = max(1, len(files) // count)
    chosen = files[::step][:count]
    names = []
    for i, src in enumerate(chosen):
        name = f"IMG_{i:05d}.jpg"
        shutil.copyfile(src, os.path.join(folder, name))
        names.append(name)
    write_manifest(folder, names, 20)


def noisy_base(args):
    src, seed = args
    rng = np.random.default_rng(seed)
    image = Image.open(src).convert("RGB").resize((4000, 3000), Image.BICUBIC)
    pixels = np.asarray(image).astype(np.int16)
    pixels += rng.integers(-9, 10, size=(3000, 4000, 1), dtype=np.int16)
    pixels += rng.integers(-4, 5, size=pixels.shape, dtype=np.int16)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def encode_variant(args):
    base_path, index, target = args
    pixels = np.load(base_path)
    # A different shift and mirror per photo so no two files are alike.
    pixels = np.roll(pixels, shift=(index * 37) % 3000, axis=0)
    if index % 2:
        pixels = pixels[:, ::-1]
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, "JPEG", quality=92)
    with open(target, "wb") as f:
        f.write(buffer.getvalue())


def make_large(root, out, count):
    folder = os.path.join(out, "large")
    if count == 0 or os.path.exists(os.path.join(folder, "manifest.csv")):
        return
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    scratch = os.path.join(out, "large-bases")
    os.makedirs(scratch, exist_ok=True)
    files = fgrade_files(root)
    bases = [files[i * len(files) // 20] for i in range(20)]
    with Pool(2) as pool:
        base_paths = []
        for i, pixels in enumerate(pool.imap(noisy_base, [(b, seed) for seed, b in enumerate(bases)])):
            path = os.path.join(scratch, f"base{i}.npy")
            np.save(path, pixels)
            base_paths.append(path)
        names = [f"IMG_{i:05d}.jpg" for i in range(count)]
        jobs = [(base_paths[i % len(base_paths)], i, os.path.join(folder, name)) for i, name in enumerate(names)]
        for done, _ in enumerate(pool.imap_unordered(encode_variant, jobs, chunksize=4), 1):
            if done % 50 == 0:
                print(f"  generated {done}/{count} 12-MP photos", file=sys.stderr)
    shutil.rmtree(scratch)
    write_manifest(folder, names, 10)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("fgrade")
    parser.add_argument("out")
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=500)
    args = parser.parse_args()
    make_small(args.fgrade, args.out, args.small)
    make_large(args.fgrade, args.out, args.large)


if __name__ == "__main__":
    main()
