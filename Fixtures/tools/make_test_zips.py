#!/usr/bin/env python3
"""Builds the small .zip uploads the grading tests use, from Fixtures/uploads/sample/.

Usage: python3 Fixtures/tools/make_test_zips.py   (deterministic: fixed timestamps)
"""
import os
import struct
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
UPLOADS = os.path.join(HERE, "..", "uploads")
SAMPLE = os.path.join(UPLOADS, "sample")
STAMP = (2026, 11, 5, 8, 0, 0)
# The first three photos of lot DT-LV-261103-01.
PHOTOS = [f"nguyen-van-ba/IMG_20261103_{n}.jpg" for n in (4101, 4102, 4103)]


def small_manifest():
    with open(os.path.join(SAMPLE, "manifest.csv"), encoding="utf-8-sig", newline="") as f:
        lines = f.read().split("\r\n")
    keep = [lines[0]] + [l for l in lines[1:] if l.split(",")[0] in PHOTOS]
    return ("\ufeff" + "\r\n".join(keep) + "\r\n").encode("utf-8")


def info(name, mode=0o100644):
    i = zipfile.ZipInfo(name, STAMP)
    i.external_attr = mode << 16
    i.create_system = 3
    return i


def add(z, name, data, method=zipfile.ZIP_DEFLATED, mode=0o100644):
    i = info(name, mode)
    i.compress_type = method
    z.writestr(i, data)


def photo(name):
    with open(os.path.join(SAMPLE, name), "rb") as f:
        return f.read()


def write(name, build):
    path = os.path.join(UPLOADS, name)
    with zipfile.ZipFile(path, "w") as z:
        build(z)
    return path


# A good upload zipped the way "compress folder" does: everything under one top-level folder,
# the manifest deflated, photos stored.
def good(z):
    add(z, "upload-2026-11-05/manifest.csv", small_manifest())
    for p in PHOTOS:
        add(z, "upload-2026-11-05/" + p, photo(p), zipfile.ZIP_STORED)


# Entries that would escape the upload folder when extracted naively.
def slip(z):
    add(z, "manifest.csv", small_manifest())
    for p in PHOTOS:
        add(z, p, photo(p), zipfile.ZIP_STORED)
    add(z, "../../etc/cron.d/evil.jpg", b"not a photo")
    add(z, "/tmp/absolute.jpg", b"not a photo")
    add(z, "nguyen-van-ba\\..\\..\\windows.jpg", b"not a photo")
    add(z, "nguyen-van-ba/link.jpg", "/etc/passwd", mode=0o120777)


# A decompression bomb: 20 MiB of zeros deflate to about 20 KiB (ratio ~1000:1).
def bomb(z):
    add(z, "manifest.csv", small_manifest())
    add(z, "nguyen-van-ba/IMG_20261103_4101.jpg", bytes(20 << 20))


write("good.zip", good)
write("zip-slip.zip", slip)
write("bomb.zip", bomb)

# Same as good.zip with one byte of a stored photo flipped: the CRC-32 check must catch it.
with open(os.path.join(UPLOADS, "good.zip"), "rb") as f:
    data = bytearray(f.read())
middle = len(photo(PHOTOS[1])) // 2
marker = photo(PHOTOS[1])[middle:middle + 32]
assert data.count(marker) == 1
at = data.find(marker)
data[at + 5] ^= 0xFF
with open(os.path.join(UPLOADS, "crc-mismatch.zip"), "wb") as f:
    f.write(data)

# Same as good.zip, but the manifest's declared uncompressed size is one byte short in both
# headers (a lying header): inflating must stop at the declared size and refuse the entry.
with open(os.path.join(UPLOADS, "good.zip"), "rb") as f:
    data = bytearray(f.read())
size = len(small_manifest())
for sig, field in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
    at = data.find(sig)
    (declared,) = struct.unpack_from("<I", data, at + field)
    assert declared == size, (declared, size)
    struct.pack_into("<I", data, at + field, size - 1)
with open(os.path.join(UPLOADS, "lying-size.zip"), "wb") as f:
    f.write(data)
