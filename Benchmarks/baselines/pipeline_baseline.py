#!/usr/bin/env python3
"""The grading job written the way a Python user would: the baseline PipelineBench compares with.

Usage: pipeline_baseline.py UPLOAD_DIR MODEL.onnx LEDGER.sqlite --width W --height H
                            --mean m,m,m --std s,s,s --class-grades G0,G1,... [--workers 2]

Same work as `agritrace grade`, minus what Python users rarely add (Merkle tree, signatures):
read manifest.csv (csv module), then on a multiprocessing pool of 2 workers: read each photo,
SHA-256 it (hashlib), decode with Pillow using draft() (libjpeg-turbo DCT scaling), resize to
the model input with BOX (area averaging, like AgriTrace), normalise with numpy, classify with
ONNX Runtime (one thread per worker); then per lot: class distribution, lot grade, and one lot
row + one grading row appended in one sqlite3 transaction, hash-chained with hashlib.
Prints one JSON object: photos, seconds, photos_per_second, peak RSS of the main process and
of the largest worker.
"""
import argparse
import csv
import hashlib
import io
import json
import os
import resource
import sqlite3
import time
from multiprocessing import Pool

import numpy as np
import onnxruntime as ort
from PIL import Image

session = None
settings = None


def init_worker(model, width, height, mean, std):
    global session, settings
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    settings = (width, height, np.array(mean, np.float32), np.array(std, np.float32))


def grade_photo(path):
    width, height, mean, std = settings
    with open(path, "rb") as f:
        data = f.read()
    digest = hashlib.sha256(data).hexdigest()
    try:
        image = Image.open(io.BytesIO(data))
        image.draft("RGB", (width, height))
        image = image.convert("RGB").resize((width, height), Image.BOX)
    except Exception as error:  # an unreadable photo is a result, not a crash
        return path, digest, None, str(error)
    pixels = (np.asarray(image, np.float32) / 255.0 - mean) / std
    batch = pixels.transpose(2, 0, 1)[None]
    output = session.run(None, {session.get_inputs()[0].name: batch})[0][0]
    return path, digest, output.tolist(), None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("upload")
    parser.add_argument("model")
    parser.add_argument("ledger")
    parser.add_argument("--width", type=int, required=True)
    parser.add_argument("--height", type=int, required=True)
    parser.add_argument("--mean", required=True)
    parser.add_argument("--std", required=True)
    parser.add_argument("--class-grades", required=True)
    parser.add_argument("--softmax", action="store_true", help="the model outputs logits")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    class_grades = args.class_grades.split(",")

    started = time.monotonic()
    with open(os.path.join(args.upload, "manifest.csv"), encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    lots = {}
    for row in rows:
        lots.setdefault(row["lot_code"], []).append(row)
    paths = [os.path.join(args.upload, row["file"]) for row in rows]

    db = sqlite3.connect(args.ledger, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE IF NOT EXISTS entries (seq INTEGER PRIMARY KEY, prev TEXT, hash TEXT, body TEXT)")
    prev = "0" * 64
    seq = 0

    results = {}
    with Pool(args.workers, initializer=init_worker,
              initargs=(args.model, args.width, args.height,
                        [float(x) for x in args.mean.split(",")], [float(x) for x in args.std.split(",")])) as pool:
        remaining = {code: len(lot_rows) for code, lot_rows in lots.items()}
        lot_of = {os.path.join(args.upload, row["file"]): row["lot_code"] for row in rows}
        for path, digest, scores, error in pool.imap(grade_photo, paths, chunksize=4):
            results[path] = (digest, scores, error)
            # Record each lot as soon as all its photos are graded.
            code = lot_of[path]
            remaining[code] -= 1
            if remaining[code] == 0:
                lot_rows = lots[code]
                images, counts = [], {}
                for r in lot_rows:
                    digest, scores, error = results[os.path.join(args.upload, r["file"])]
                    if scores is None:
                        images.append({"file": r["file"], "sha256": digest, "status": "unreadable", "reason": error})
                        continue
                    if args.softmax:
                        e = np.exp(np.array(scores) - max(scores))
                        scores = (e / e.sum()).tolist()
                    best = int(np.argmax(scores))
                    grade = class_grades[best]
                    counts[grade] = counts.get(grade, 0) + 1
                    images.append({"file": r["file"], "sha256": digest, "class": best, "grade": grade,
                                   "scores_bp": [round(s * 10000) for s in scores]})
                total = sum(counts.values()) or 1
                lot_grade = next((g for g, share in (("Premium", 0.9), ("Grade I", 0.85), ("Grade II", 0.7))
                                  if sum(c for k, c in counts.items() if class_grades.index(k) <= class_grades.index(g)) / total >= share),
                                 "Reject")
                first = lot_rows[0]
                bodies = [{"type": "lot", "lot_code": code, "origin_code": first["origin_code"], "farm_id": first["farm_id"],
                           "crop": first["crop"], "harvest_date": first["harvest_date"]},
                          {"type": "grading", "lot_code": code, "images": images, "distribution": counts, "lot_grade": lot_grade}]
                db.execute("BEGIN IMMEDIATE")
                for body in bodies:
                    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                    entry_hash = hashlib.sha256((prev + text).encode()).hexdigest()
                    db.execute("INSERT INTO entries VALUES (?, ?, ?, ?)", (seq, prev, entry_hash, text))
                    prev, seq = entry_hash, seq + 1
                db.execute("COMMIT")
        seconds = time.monotonic() - started
    main_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"photos": len(paths), "seconds": seconds, "photos_per_second": len(paths) / seconds,
                      "entries": seq, "peak_rss_main_kib": main_rss, "peak_rss_worker_kib": worker_rss}))


if __name__ == "__main__":
    main()
