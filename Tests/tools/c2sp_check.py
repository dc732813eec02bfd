#!/usr/bin/env python3
"""Independent checker for AgriTrace ledgers, checkpoints and proof files.

Written from the specifications only (RFC 9162 §2.1, RFC 8032 §5.1, RFC 8785, C2SP signed-note,
tlog-checkpoint, tlog-cosignature and tlog-proof), in plain Python with no third-party packages,
so it shares no code with the Swift implementation it checks.

  c2sp_check.py proof FILE --vkey VKEYFILE [--witness-vkey FILE ...]
  c2sp_check.py checkpoint FILE --vkey VKEYFILE
  c2sp_check.py consistency OLD_CHECKPOINT NEW_CHECKPOINT PROOF_FILE --vkey VKEYFILE
  c2sp_check.py ledger DB --vkey VKEYFILE
  c2sp_check.py tiles URL --vkey VKEYFILE   (a log served as C2SP tlog-tiles: rebuilds the tree from
                                            entry bundles, checks every hash tile byte for byte and
                                            the root against the signed checkpoint)

Exit status 0 when everything verifies, 1 otherwise (with the reason on stderr).
"""
import argparse, base64, hashlib, json, sqlite3, sys, unicodedata, urllib.error, urllib.request

# ---------------------------------------------------------------- Ed25519 verification (RFC 8032 §5.1.7)
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

def _add(a, b):
    x1, y1, z1, t1 = a; x2, y2, z2, t2 = b
    A = (y1 - x1) * (y2 - x2) % P; B = (y1 + x1) * (y2 + x2) % P
    C = 2 * t1 * t2 * D % P; Dd = 2 * z1 * z2 % P
    E, F, G, H = B - A, Dd - C, Dd + C, B + A
    return (E * F % P, G * H % P, F * G % P, E * H % P)

def _mul(s, pt):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1: q = _add(q, pt)
        pt = _add(pt, pt); s >>= 1
    return q

def _equal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0

def _decompress(s):
    if len(s) != 32: return None
    y = int.from_bytes(s, "little"); sign = y >> 255; y &= (1 << 255) - 1
    if y >= P: return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        if sign: return None
        x = 0
    else:
        x = pow(x2, (P + 3) // 8, P)
        if (x * x - x2) % P != 0: x = x * SQRT_M1 % P
        if (x * x - x2) % P != 0: return None
        if x & 1 != sign: x = P - x
    return (x, y, 1, x * y % P)

_GY = 4 * pow(5, P - 2, P) % P
BASE = _decompress(_GY.to_bytes(32, "little"))

def ed25519_verify(public, message, signature):
    if len(signature) != 64: return False
    A = _decompress(public); R = _decompress(signature[:32])
    if A is None or R is None: return False
    S = int.from_bytes(signature[32:], "little")
    if S >= L: return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % L
    return _equal(_mul(S, BASE), _add(R, _mul(k, A)))

# ---------------------------------------------------------------- keys and signed notes (C2SP signed-note)
class Fail(Exception): pass

def key_id(name, type_byte, key):
    return int.from_bytes(hashlib.sha256(name.encode() + b"\n" + bytes([type_byte]) + key).digest()[:4], "big")

def parse_vkey(text):
    name, hexid, b64 = text.strip().split("+", 2)
    raw = base64.b64decode(b64, validate=True)
    if len(raw) != 33 or raw[0] not in (1, 4): raise Fail("vkey: need type 0x01 or 0x04 and 32 key bytes")
    if key_id(name, raw[0], raw[1:]) != int(hexid, 16): raise Fail("vkey: key id does not match")
    return {"name": name, "type": raw[0], "key": raw[1:], "id": int(hexid, 16)}

def parse_note(text):
    if "\n\n" not in text: raise Fail("note: no blank line")
    cut = text.rindex("\n\n")
    body, sigs = text[:cut + 1], text[cut + 2:]
    if not sigs.endswith("\n"): raise Fail("note: signatures must end with a newline")
    lines = []
    for line in sigs[:-1].split("\n"):
        if not line.startswith("\u2014 "): raise Fail("note: bad signature line %r" % line)
        name, b64 = line[2:].split(" ")
        raw = base64.b64decode(b64, validate=True)
        lines.append((name, int.from_bytes(raw[:4], "big"), raw[4:]))
    return body, lines

def verify_note(text, keys):
    """Returns the names of trusted keys whose signatures verify; fails on a bad known signature."""
    body, sigs = parse_note(text)
    ok = []
    for name, kid, sig in sigs:
        for k in keys:
            if k["name"] != name or k["id"] != kid: continue
            if k["type"] == 1:
                good = ed25519_verify(k["key"], body.encode(), sig)
            else:
                if len(sig) != 72: raise Fail("cosignature: need 8-byte time + 64-byte signature")
                t = int.from_bytes(sig[:8], "big")
                good = ed25519_verify(k["key"], b"cosignature/v1\ntime %d\n" % t + body.encode(), sig[8:])
            if not good: raise Fail("note: invalid signature by %s" % name)
            ok.append(name)
    if not ok: raise Fail("note: no signature by a trusted key")
    return body, ok

def parse_checkpoint(body):
    lines = body[:-1].split("\n")
    if len(lines) < 3 or not lines[0]: raise Fail("checkpoint: need origin, size, root")
    size = int(lines[1])
    if str(size) != lines[1]: raise Fail("checkpoint: size has leading zeroes")
    root = base64.b64decode(lines[2], validate=True)
    if len(root) != 32: raise Fail("checkpoint: root is not 32 bytes")
    return lines[0], size, root

# ---------------------------------------------------------------- RFC 9162 §2.1
def leaf_hash(data): return hashlib.sha256(b"\x00" + data).digest()
def node_hash(l, r): return hashlib.sha256(b"\x01" + l + r).digest()

def root_of(leaves):
    """MTH by the definition: split at the largest power of two below n."""
    if not leaves: return hashlib.sha256(b"").digest()
    if len(leaves) == 1: return leaves[0]
    k = 1
    while k * 2 < len(leaves): k *= 2
    return node_hash(root_of(leaves[:k]), root_of(leaves[k:]))

def verify_inclusion(index, size, leaf, proof, root):
    if index >= size: raise Fail("inclusion: index beyond tree")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0: raise Fail("inclusion: proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0: fn >>= 1; sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1; sn >>= 1
    if sn != 0: raise Fail("inclusion: proof too short")
    if r != root: raise Fail("inclusion: root mismatch")

def verify_consistency(size1, size2, root1, root2, proof):
    if size1 == size2:
        if proof or root1 != root2: raise Fail("consistency: equal sizes need equal roots and no proof")
        return
    if size1 == 0 or size1 > size2: raise Fail("consistency: bad sizes")
    path = ([root1] if size1 & (size1 - 1) == 0 else []) + proof
    if not path: raise Fail("consistency: empty proof")
    fn, sn = size1 - 1, size2 - 1
    while fn & 1: fn >>= 1; sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0: raise Fail("consistency: proof too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr); sr = node_hash(c, sr)
            while not fn & 1 and fn != 0: fn >>= 1; sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1; sn >>= 1
    if sn != 0 or fr != root1 or sr != root2: raise Fail("consistency: proof does not connect the roots")

# ---------------------------------------------------------------- entries (RFC 8785 with NFC strings)
def _nfc_everywhere(value):
    if isinstance(value, str):
        if unicodedata.normalize("NFC", value) != value: raise Fail("entry: string not in NFC")
    elif isinstance(value, dict):
        for k, v in value.items(): _nfc_everywhere(k); _nfc_everywhere(v)
    elif isinstance(value, list):
        for v in value: _nfc_everywhere(v)
    elif isinstance(value, float):
        raise Fail("entry: floating point number")

def check_entry(data, keys_by_signer):
    """Canonical form, then the Ed25519 signature over the bytes without "sig"."""
    obj = json.loads(data.decode("utf-8"), parse_float=lambda s: float(s))
    _nfc_everywhere(obj)
    # With integers only and ASCII keys, JCS is exactly this json.dumps configuration.
    canon = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    if canon != data: raise Fail("entry %s: bytes are not canonical" % obj.get("seq"))
    sig = base64.b64decode(obj.pop("sig"), validate=True)
    key = keys_by_signer.get(obj["signer"])
    if key is None: raise Fail("entry %d: signer %s unknown" % (obj["seq"], obj["signer"]))
    signed = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    if not ed25519_verify(key, signed, sig): raise Fail("entry %d: bad signature" % obj["seq"])
    return obj

# ---------------------------------------------------------------- commands
def load_keys(paths):
    return [parse_vkey(open(p, encoding="utf-8").read()) for p in paths]

def cmd_proof(args):
    text = open(args.file, encoding="utf-8").read()
    head, checkpoint_text = text.split("\n\n", 1)
    lines = head.split("\n")
    if lines[0] != "c2sp.org/tlog-proof@v1": raise Fail("proof: bad header")
    i, extra = 1, None
    if lines[i].startswith("extra "): extra = base64.b64decode(lines[i][6:], validate=True); i += 1
    if not lines[i].startswith("index "): raise Fail("proof: missing index")
    index = int(lines[i][6:]); i += 1
    path = [base64.b64decode(l, validate=True) for l in lines[i:]]
    body, signers = verify_note(checkpoint_text, load_keys(args.vkey) + load_keys(args.witness_vkey))
    origin, size, root = parse_checkpoint(body)
    verify_inclusion(index, size, leaf_hash(extra), path, root)
    keys = {k["name"] + "+%08x" % k["id"]: k["key"] for k in load_keys(args.vkey)}
    entry = check_entry(extra, keys)
    if entry["seq"] != index: raise Fail("proof: entry seq differs from index")
    print("ok: entry %d (%s) included in %s size %d, signed by %s" % (index, entry["type"], origin, size, ", ".join(signers)))

def cmd_checkpoint(args):
    body, signers = verify_note(open(args.file, encoding="utf-8").read(), load_keys(args.vkey))
    origin, size, root = parse_checkpoint(body)
    print("ok: %s size %d root %s signed by %s" % (origin, size, root.hex(), ", ".join(signers)))

def cmd_consistency(args):
    keys = load_keys(args.vkey)
    o1, s1, r1 = parse_checkpoint(verify_note(open(args.old, encoding="utf-8").read(), keys)[0])
    o2, s2, r2 = parse_checkpoint(verify_note(open(args.new, encoding="utf-8").read(), keys)[0])
    if o1 != o2: raise Fail("consistency: different origins")
    proof = [base64.b64decode(l, validate=True) for l in open(args.proof).read().split()]
    verify_consistency(s1, s2, r1, r2, proof)
    print("ok: size %d is a prefix of size %d" % (s1, s2))

def cmd_ledger(args):
    trusted = load_keys(args.vkey)
    db = sqlite3.connect("file:%s?mode=ro" % args.db, uri=True)
    leaves, prev, active = [], b"\x00" * 32, {}
    for seq, body in db.execute("SELECT seq, body FROM entries ORDER BY seq"):
        if seq != len(leaves): raise Fail("ledger: entry %d missing" % len(leaves))
        obj = json.loads(bytes(body).decode("utf-8"))
        if seq == 0:
            if obj["type"] != "key" or not any(obj["vkey"] == "%s+%08x+%s" % (k["name"], k["id"], base64.b64encode(b"\x01" + k["key"]).decode()) for k in trusted):
                raise Fail("ledger: entry 0 does not add a trusted key")
        check_entry(bytes(body), {s: k for s, k in (active or {obj["signer"]: parse_vkey(obj["vkey"])["key"]}).items()})
        if obj["type"] == "key":
            k = parse_vkey(obj["vkey"]); sid = "%s+%08x" % (k["name"], k["id"])
            if obj["action"] == "add": active[sid] = k["key"]
            else: active.pop(sid, None)
        if bytes.fromhex(obj["prev"]) != prev: raise Fail("ledger: entry %d prev chain broken" % seq)
        prev = leaf_hash(bytes(body)); leaves.append(prev)
    for cid, note in db.execute("SELECT id, note FROM checkpoints ORDER BY id"):
        origin, size, root = parse_checkpoint(verify_note(note, trusted)[0])
        if size > len(leaves) or root_of(leaves[:size]) != root: raise Fail("ledger: checkpoint %d root mismatch" % cid)
    print("ok: %d entries, chain, signatures and checkpoints verify; root %s" % (len(leaves), root_of(leaves).hex()))

# ---------------------------------------------------------------- C2SP tlog-tiles over HTTP
def tile_index_path(n):
    """Zero-padded 3-digit elements, all but the last prefixed with x: 1234067 -> x001/x234/067."""
    parts = ["%03d" % (n % 1000)]
    n //= 1000
    while n > 0:
        parts.insert(0, "x%03d" % (n % 1000)); n //= 1000
    return "/".join(parts)

def http_get(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict((k.lower(), v) for k, v in e.headers.items()), e.read()

def fetch_resource(base, path, full):
    status, headers, body = http_get(base + path)
    if status != 200: raise Fail("tiles: GET %s answered %d" % (path, status))
    if headers.get("content-type") != "application/octet-stream": raise Fail("tiles: %s has content type %r" % (path, headers.get("content-type")))
    cache = headers.get("cache-control", "")
    if full and "immutable" not in cache: raise Fail("tiles: full resource %s is not cacheable as immutable (%r)" % (path, cache))
    if not full and "immutable" in cache: raise Fail("tiles: partial resource %s is marked immutable" % path)
    return body

def cmd_tiles(args):
    base = args.url.rstrip("/")
    status, headers, note = http_get(base + "/checkpoint")
    if status != 200: raise Fail("tiles: GET /checkpoint answered %d" % status)
    if headers.get("content-type") != "text/plain; charset=utf-8": raise Fail("tiles: checkpoint content type %r" % headers.get("content-type"))
    body, signers = verify_note(note.decode("utf-8"), load_keys(args.vkey))
    origin, size, root = parse_checkpoint(body)
    keys = {k["name"] + "+%08x" % k["id"]: k["key"] for k in load_keys(args.vkey)}
    # Level 0: entries from the bundles, each checked and hashed; then every hash tile level.
    leaves = []
    for n in range((size + 255) // 256):
        width = min(256, size - 256 * n)
        bundle = fetch_resource(base, "/tile/entries/" + tile_index_path(n) + ("" if width == 256 else ".p/%d" % width), width == 256)
        i = 0
        while i < len(bundle):
            if i + 2 > len(bundle): raise Fail("tiles: entry bundle %d ends inside a length prefix" % n)
            length = int.from_bytes(bundle[i:i + 2], "big"); data = bundle[i + 2:i + 2 + length]
            if len(data) != length: raise Fail("tiles: entry bundle %d ends inside an entry" % n)
            entry = check_entry(data, keys)
            if entry["seq"] != len(leaves): raise Fail("tiles: entry %d says seq %d" % (len(leaves), entry["seq"]))
            leaves.append(leaf_hash(data)); i += 2 + length
        if len(leaves) != 256 * n + width: raise Fail("tiles: entry bundle %d holds %d entries, expected %d" % (n, len(leaves) - 256 * n, width))
    level, nodes, tiles = 0, leaves, 0
    while len(nodes) > 0:
        for n in range((len(nodes) + 255) // 256):
            width = min(256, len(nodes) - 256 * n)
            tile = fetch_resource(base, "/tile/%d/" % level + tile_index_path(n) + ("" if width == 256 else ".p/%d" % width), width == 256)
            if tile != b"".join(nodes[256 * n:256 * n + width]): raise Fail("tiles: tile %d/%d differs from the hashes of the entries" % (level, n))
            tiles += 1
        # The next tile level holds the roots of the full 256-wide subtrees of this one.
        nodes = [root_of(nodes[256 * j:256 * j + 256]) for j in range(len(nodes) // 256)]
        level += 1
    if root_of(leaves) != root: raise Fail("tiles: the entries' root differs from the checkpoint's")
    # Empty and beyond-the-end tiles must not be served.
    for path in ["/tile/0/" + tile_index_path((size + 255) // 256 + 1), "/tile/entries/" + tile_index_path((size + 255) // 256 + 1)]:
        if http_get(base + path)[0] != 404: raise Fail("tiles: %s beyond the log was not refused with 404" % path)
    print("ok: %s size %d: %d entries from bundles, %d hash tiles byte for byte, root matches the checkpoint signed by %s"
          % (origin, size, len(leaves), tiles, ", ".join(signers)))

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("proof"); p.add_argument("file"); p.add_argument("--vkey", action="append", required=True); p.add_argument("--witness-vkey", action="append", default=[])
    c = sub.add_parser("checkpoint"); c.add_argument("file"); c.add_argument("--vkey", action="append", required=True)
    k = sub.add_parser("consistency"); k.add_argument("old"); k.add_argument("new"); k.add_argument("proof"); k.add_argument("--vkey", action="append", required=True)
    l = sub.add_parser("ledger"); l.add_argument("db"); l.add_argument("--vkey", action="append", required=True)
    t = sub.add_parser("tiles"); t.add_argument("url"); t.add_argument("--vkey", action="append", required=True)
    args = ap.parse_args()
    try:
        {"proof": cmd_proof, "checkpoint": cmd_checkpoint, "consistency": cmd_consistency, "ledger": cmd_ledger, "tiles": cmd_tiles}[args.cmd](args)
    except (Fail, ValueError, KeyError, IndexError) as e:
        print("FAILED: %s" % e, file=sys.stderr); sys.exit(1)

if __name__ == "__main__":
    main()
