#!/usr/bin/env python3
"""Validates EPCIS 2.0 JSON documents against GS1's EPCIS JSON schema (draft-07).

Usage: epcis_schema_check.py SCHEMA.json DOCUMENT.json [DOCUMENT.json ...]

Formats are always checked: `date-time` (RFC 3339) and `uri` by the checks below, so the result
does not depend on which optional format packages happen to be installed. Exit 0 when every
document is valid, 1 when any is not (each error printed), 2 for usage errors or when the
`jsonschema` package is missing (Debian: python3-jsonschema).
"""
import json
import re
import sys

try:
    import jsonschema
except ImportError as error:
    print(f"epcis_schema_check: {error}; install python3-jsonschema", file=sys.stderr)
    sys.exit(2)

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$")


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    checker = jsonschema.FormatChecker()
    checker.checks("date-time")(lambda value: not isinstance(value, str) or RFC3339.match(value) is not None)
    checker.checks("uri")(lambda value: not isinstance(value, str) or URI.match(value) is not None)
    validator = jsonschema.Draft7Validator(schema, format_checker=checker)
    failures = 0
    for path in argv[2:]:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        for error in errors:
            print(f"{path}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
        failures += bool(errors)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
