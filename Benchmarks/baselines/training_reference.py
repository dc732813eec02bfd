#!/usr/bin/env python3
"""PyTorch reference for AgriTrace's trainer (same data split, input size and architecture).

Two modes:
  train:  trains the reference CNN from scratch on the training side of an AgriTrace split file
          and prints validation metrics (accuracy, macro-F1) for 10 classes and the 2/4/6-class
          groupings, as JSON on the last line.
  epoch:  times one training epoch (forward + backward + AdamW step over the training side) with
          a fixed thread count, for TrainingBench's side-by-side comparison; prints JSON.

Images are decoded with Pillow and area-averaged (Image.BOX) straight to size x size ("squash",
like AgriTrace's decoder); per-channel mean/std come from the training photos.

Usage:
  python3 training_reference.py train --data FGRADE_DIR/train --split SPLIT.txt [--input-size 64]
  python3 training_reference.py epoch --data FGRADE_DIR/train --split SPLIT.txt --threads 2
The data folder defaults to $FGRADE_DIR/train.
"""
import argparse
import json
import math
import os
import time

import numpy as np
from PIL import Image
import torch
import torch.nn as nn
import torch.nn.functional as F

GROUPINGS = {"2": "0-4,5-9", "4": "0-1,2-4,5-7,8-9", "6": "0,1-2,3-4,5-6,7-8,9"}


def read_split(path):
    train, val = [], []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            side, rel = line.split("\t", 1)
            (train if side == "train" else val).append(rel)
    return train, val


def load(data_dir, paths, labels, size):
    x = np.zeros((len(paths), size, size, 3), dtype=np.uint8)
    y = np.zeros(len(paths), dtype=np.int64)
    for i, rel in enumerate(paths):
        with Image.open(os.path.join(data_dir, rel)) as im:
            x[i] = np.asarray(im.convert("RGB").resize((size, size), Image.BOX))
        y[i] = labels.index(rel.split("/")[0])
    return x, y


def compact(classes):
    """AgriTrace's `compact` architecture: conv3x3-BN-ReLU 16/32/64/128, max pools, GAP, dense."""
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
    return nn.Sequential(*block(3, 16), nn.MaxPool2d(2), *block(16, 32), nn.MaxPool2d(2),
                         *block(32, 64), nn.MaxPool2d(2), *block(64, 128),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, classes))


def metrics(truth, pred, classes):
    cm = np.zeros((classes, classes), dtype=np.int64)
    for t, p in zip(truth, pred):
        cm[t, p] += 1
    f1s, recalls = [], []
    for c in range(classes):
        tp = cm[c, c]
        support, predicted = cm[c].sum(), cm[:, c].sum()
        if support == 0:
            continue
        p = tp / predicted if predicted else 0.0
        r = tp / support
        recalls.append(r)
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    return {"accuracy": float(np.trace(cm) / cm.sum()), "balanced_accuracy": float(np.mean(recalls)),
            "macro_f1": float(np.mean(f1s))}


def grouped(probs, truth, spec):
    groups = []
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        groups.append(list(range(int(lo), int(hi or lo) + 1)))
    merged = np.stack([probs[:, g].sum(axis=1) for g in groups], axis=1)
    group_of = {c: i for i, g in enumerate(groups) for c in g}
    return metrics([group_of[int(t)] for t in truth], merged.argmax(axis=1), len(groups))


def augment(xb, gen):
    """Random horizontal/vertical flips (the reference's augmentation)."""
    flip_h = torch.rand(xb.shape[0], generator=gen) < 0.5
    flip_v = torch.rand(xb.shape[0], generator=gen) < 0.5
    xb = torch.where(flip_h[:, None, None, None], xb.flip(3), xb)
    return torch.where(flip_v[:, None, None, None], xb.flip(2), xb)


def balanced_order(y, gen):
    """As many samples as training photos, each class drawn equally often (like AgriTrace)."""
    classes = sorted(set(y.tolist()))
    weights = torch.tensor([1.0 / (y == c).sum() for c in y.tolist()], dtype=torch.double)
    return torch.multinomial(weights, len(y), replacement=True, generator=gen)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["train", "epoch"])
    ap.add_argument("--data", default=os.path.join(os.environ.get("FGRADE_DIR", "."), "train"))
    ap.add_argument("--split", required=True)
    ap.add_argument("--input-size", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    labels = sorted(d for d in os.listdir(args.data) if os.path.isdir(os.path.join(args.data, d)))
    train_paths, val_paths = read_split(args.split)
    t0 = time.time()
    xtr, ytr = load(args.data, train_paths, labels, args.input_size)
    xva, yva = load(args.data, val_paths, labels, args.input_size)
    mean = xtr.reshape(-1, 3).mean(axis=0) / 255
    std = (xtr.reshape(-1, 3) / 255).std(axis=0)

    def tensor(x):
        t = torch.from_numpy(x).float().div(255).sub(torch.tensor(mean).float()).div(torch.tensor(std).float())
        return t.permute(0, 3, 1, 2).contiguous()

    xtr_t, ytr_t, xva_t = tensor(xtr), torch.from_numpy(ytr), tensor(xva)
    print(f"loaded {len(ytr)} training and {len(yva)} validation photos in {time.time() - t0:.1f}s", flush=True)

    model = compact(len(labels))
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    steps_per_epoch = max(len(ytr) // args.batch_size, 1)
    total = args.epochs * steps_per_epoch
    warmup = steps_per_epoch

    def lr_at(step):
        if step < warmup:
            return args.lr * (step + 1) / warmup
        progress = min((step - warmup) / max(total - warmup, 1), 1)
        return args.lr * 0.01 + (args.lr * 0.99) * 0.5 * (1 + math.cos(math.pi * progress))

    def run_epoch(epoch):
        model.train()
        order = balanced_order(ytr_t, gen)
        loss_sum = 0.0
        for s in range(steps_per_epoch):
            idx = order[s * args.batch_size:(s + 1) * args.batch_size]
            for g in opt.param_groups:
                g["lr"] = lr_at(epoch * steps_per_epoch + s)
            xb = augment(xtr_t[idx], gen)
            loss = F.cross_entropy(model(xb), ytr_t[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item()
        return loss_sum / steps_per_epoch

    def predict():
        model.eval()
        with torch.no_grad():
            return torch.cat([F.softmax(model(xva_t[i:i + 256]), dim=1) for i in range(0, len(xva_t), 256)]).numpy()

    if args.mode == "epoch":
        run_epoch(0)  # warm-up epoch: allocator and oneDNN primitive caches
        t, c = time.perf_counter(), time.process_time()
        run_epoch(1)
        seconds, cpu = time.perf_counter() - t, time.process_time() - c
        print(json.dumps({"framework": "pytorch " + torch.__version__, "threads": args.threads,
                          "input_size": args.input_size, "batch_size": args.batch_size,
                          "images": steps_per_epoch * args.batch_size, "epoch_seconds": seconds,
                          "epoch_cpu_seconds": cpu}))
        return

    best, best_probs = -1.0, None
    t_start = time.time()
    for epoch in range(args.epochs):
        loss = run_epoch(epoch)
        probs = predict()
        m = metrics(yva, probs.argmax(axis=1), len(labels))
        if m["macro_f1"] > best:
            best, best_probs = m["macro_f1"], probs
        print(f"epoch {epoch + 1}/{args.epochs} loss {loss:.4f} val acc {m['accuracy']:.4f} "
              f"macro-F1 {m['macro_f1']:.4f} best {best:.4f} ({time.time() - t_start:.0f}s)", flush=True)
    result = {"framework": "pytorch " + torch.__version__, "parameters": params, "input_size": args.input_size,
              "epochs": args.epochs, "seconds": time.time() - t_start,
              "classes10": metrics(yva, best_probs.argmax(axis=1), len(labels))}
    for k, spec in GROUPINGS.items():
        result[f"groups{k}"] = grouped(best_probs, yva, spec)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
