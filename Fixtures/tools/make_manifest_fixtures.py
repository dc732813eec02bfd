#!/usr/bin/env python3
"""Writes Fixtures/manifests/: the sample upload's manifest as spreadsheets save it.

Deterministic; reads Fixtures/uploads/sample/manifest.csv (UTF-8 with BOM, CRLF, ISO dates).
Run from the repository root: python3 Fixtures/tools/make_manifest_fixtures.py
"""
import csv
import io
import pathlib
import unicodedata

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Fixtures" / "manifests"

# Windows-1258 has these five tones only as combining marks (grave, acute, tilde, hook above,
# dot below); letters like "ễ" are written as the base letter plus the mark.
TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258(text):
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")   # in the table as one byte (à, â, ơ, đ, ...)
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONES))
        tones = "".join(c for c in decomposed if c in TONES)
        out += base.encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


def rows():
    text = (ROOT / "Fixtures/uploads/sample/manifest.csv").read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(text, newline="")))
    return [[unicodedata.normalize("NFC", field) for field in row] for row in table]


def day_first(table):
    """Dates as a Vietnamese Windows shows and saves them (dd/MM/yyyy), and one note holding a
    semicolon, so the `;` files carry a quoted field containing their separator."""
    header, body = table[0], table[1:]
    date, notes = header.index("harvest_date"), header.index("notes")
    result = [header]
    for row in body:
        row = list(row)
        year, month, day = row[date].split("-")
        row[date] = f"{day}/{month}/{year}"
        row[notes] = row[notes].replace("Trái bị nứt sau mưa,", "Trái bị nứt sau mưa;")
        result.append(row)
    return result


def write_csv(table, delimiter):
    # Excel quotes only fields holding the separator, a quote or a line break, and ends lines CRLF.
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").writerows(table)
    return buffer.getvalue()


def main():
    OUT.mkdir(exist_ok=True)
    table = rows()
    vietnamese = day_first(table)
    # Excel "CSV UTF-8 (Comma delimited)" on a Windows set to Vietnamese: BOM, ';', dd/MM/yyyy.
    (OUT / "excel-vi-csv-utf8.csv").write_bytes(b"\xef\xbb\xbf" + write_csv(vietnamese, ";").encode("utf-8"))
    # Excel "CSV (Comma delimited)" on the same Windows: Windows-1258, no BOM.
    (OUT / "excel-vi-csv-cp1258.csv").write_bytes(cp1258(write_csv(vietnamese, ";")))
    # Excel "CSV (Comma delimited)" on a Windows set to English: Windows-1252, letters it lacks as '?'.
    (OUT / "excel-en-csv-cp1252.csv").write_bytes(write_csv(table, ",").encode("cp1252", errors="replace"))
    # Excel "Unicode Text (*.txt)": UTF-16 little-endian with BOM, tab-separated.
    (OUT / "excel-unicode-text-utf16le.txt").write_bytes(b"\xff\xfe" + write_csv(table, "\t").encode("utf-16-le"))
    # UTF-16 big-endian with BOM (other tools), comma-separated.
    (OUT / "utf16be-bom.csv").write_bytes(b"\xfe\xff" + write_csv(table, ",").encode("utf-16-be"))


if __name__ == "__main__":
    main()
