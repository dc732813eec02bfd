#!/usr/bin/env python3
"""Builds Fixtures/uploads/sample/ from the FGrade training photos.

Usage: python3 Fixtures/tools/make_sample_upload.py FGRADE_DIR [OUT_DIR]

Copies a fixed, hand-picked set of small FGrade photos (bytes unchanged) into per-farm folders
and writes manifest.csv. The photo choice follows each lot's intended quality so the lot grades
differ: lots of class 0-1 photos, 2-4, 5-7, 8-9 and one mixed lot. Some names are written in NFD
on purpose (decomposed Vietnamese diacritics, as some phones and macOS produce them).
"""
import csv
import io
import os
import shutil
import sys
import unicodedata

FGRADE = sys.argv[1]
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "uploads", "sample")


def nfd(text):
    return unicodedata.normalize("NFD", text)


def gtin14(body13):
    digits = [int(c) for c in body13]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits))
    return body13 + str((10 - total % 10) % 10)


# (lot, origin code, farm id, farm name, commune, district, folder, harvest date, kg, gtin, classes, count)
LOTS = [
    ("DT-LV-261103-01", "VN-DTOR-0141", "F-LV-014", "Nguyễn Văn Ba", "Tân Thành", "Lai Vung",
     "nguyen-van-ba", "2026-11-03", "850", gtin14("0893604512001"), [0, 1], 8),
    ("DT-LV-261103-02", "VN-DTOR-0157", "F-LV-022", nfd("Trần Thị Hồng"), nfd("Long Hậu"), "Lai Vung",
     "tran-thi-hong", "2026-11-03", "620", gtin14("0893604512001"), [2, 3, 4], 8),
    ("DT-CT-261104-01", "VN-DTOR-0203", "F-CT-007", "Lê Văn Tâm", "An Nhơn", "Châu Thành",
     "le-van-tam", "2026-11-04", "1200", "", [5, 6, 7], 8),
    ("DT-TM-261104-02", "VN-DTOR-0318", "F-TM-031", nfd("Phạm Thị Thu Hà"), nfd("Mỹ An"), nfd("Tháp Mười"),
     "pham-thi-thu-ha", "2026-11-04", "400", "", [8, 9], 6),
    ("DT-LV-261105-03", "VN-DTOR-0141", "F-LV-014", "Nguyễn Văn Ba", "Tân Thành", "Lai Vung",
     "nguyen-van-ba", "2026-11-05", "700", gtin14("0893604512001"), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 10),
]
PROVINCE = "Đồng Tháp"
NOTES = {
    "DT-LV-261103-01": "Hái sáng sớm, đã phân loại sơ bộ",
    "DT-TM-261104-02": nfd('Trái bị nứt sau mưa, "hàng dạt"'),
}


def smallest(cls, skip, count):
    folder = os.path.join(FGRADE, str(cls))
    files = sorted(os.listdir(folder), key=lambda f: (os.path.getsize(os.path.join(folder, f)), f))
    picked = [f for f in files if (cls, f) not in skip][:count]
    return [(cls, f) for f in picked]


def main():
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    used = set()
    rows = []
    photo_number = 4100
    for lot, origin, farm, name, commune, district, folder, date, kg, gtin, classes, count in LOTS:
        os.makedirs(os.path.join(OUT, folder), exist_ok=True)
        picks = []
        # Round-robin over the lot's classes so each lot mixes its intended grades.
        per_class = {c: smallest(c, used, count) for c in classes}
        i = 0
        while len(picks) < count:
            c = classes[i % len(classes)]
            candidate = next(p for p in per_class[c] if p not in used)
            used.add(candidate)
            picks.append(candidate)
            i += 1
        for cls, src in picks:
            photo_number += 1
            rel = f"{folder}/IMG_{date.replace('-', '')}_{photo_number}.jpg"
            shutil.copyfile(os.path.join(FGRADE, str(cls), src), os.path.join(OUT, rel))
            rows.append([rel, lot, origin, farm, "cà chua", date, gtin, kg, NOTES.get(lot, ""),
                         name, commune, district, PROVINCE, f"fgrade/train/{cls}/{src}"])
    header = ["file", "lot_code", "origin_code", "farm_id", "crop", "harvest_date",
              "gtin", "quantity_kg", "notes", "farm_name", "commune", "district", "province"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(row[:-1])
    with open(os.path.join(OUT, "manifest.csv"), "w", encoding="utf-8-sig", newline="") as f:
        f.write(buffer.getvalue())
    # Where each photo came from, for the fixture notes (not part of the upload).
    with open(os.path.join(OUT, "..", "sample-sources.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "fgrade_source"])
        for row in rows:
            w.writerow([row[0], row[-1]])


main()
