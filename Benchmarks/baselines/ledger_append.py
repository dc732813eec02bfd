#!/usr/bin/env python3
"""Baseline for LedgerBench: the same ~1 KB grading entries appended the way a user would write it
in plain Python: json.dumps with sorted keys, a SHA-256 hash chain (hashlib), sqlite3 with WAL and
synchronous=NORMAL (the ledger's own durability settings). No Merkle tree, no signatures.

  ledger_append.py BODIES.jsonl DB_PREFIX --batch 1000 --batch 1
Prints one JSON object: {"batch_<n>": {"entries", "seconds", "per_second", "cpu_seconds", "per_cpu_second"}, ...}.
"""
import argparse, hashlib, json, os, sqlite3, time

def run(bodies, path, batch):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix): os.remove(path + suffix)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE entries (seq INTEGER PRIMARY KEY, prev BLOB NOT NULL, hash BLOB NOT NULL, body BLOB NOT NULL)")
    prev = b"\x00" * 32
    start = time.perf_counter(); cpu = time.process_time()
    for first in range(0, len(bodies), batch):
        db.execute("BEGIN IMMEDIATE")
        for seq in range(first, min(first + batch, len(bodies))):
            entry = dict(bodies[seq]); entry["seq"] = seq; entry["prev"] = prev.hex()
            data = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
            digest = hashlib.sha256(b"\x00" + data).digest()
            db.execute("INSERT INTO entries (seq, prev, hash, body) VALUES (?, ?, ?, ?)", (seq, prev, digest, data))
            prev = digest
        db.execute("COMMIT")
    seconds = time.perf_counter() - start; cpu = time.process_time() - cpu
    db.close()
    return {"entries": len(bodies), "seconds": seconds, "per_second": len(bodies) / seconds,
            "cpu_seconds": cpu, "per_cpu_second": len(bodies) / cpu}

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bodies"); ap.add_argument("db_prefix")
    ap.add_argument("--batch", type=int, action="append", required=True)
    ap.add_argument("--limit", type=int, action="append", help="entries for the matching --batch (default all)")
    args = ap.parse_args()
    with open(args.bodies, encoding="utf-8") as f:
        bodies = [json.loads(line) for line in f]
    limits = args.limit or []
    result = {}
    for i, batch in enumerate(args.batch):
        n = limits[i] if i < len(limits) else len(bodies)
        result["batch_%d" % batch] = run(bodies[:n], "%s-%d.db" % (args.db_prefix, batch), batch)
    print(json.dumps(result))

if __name__ == "__main__":
    main()
