#!/usr/bin/env python3
"""Validates EPCIS 2.0 JSON-LD documents against GS1's EPCIS JSON schema.

Usage: validate-epcis.py SCHEMA.json DOCUMENT.jsonld [DOCUMENT.jsonld ...]

SCHEMA is the single-file EPCIS 2.0 JSON schema (EPCIS-JSON-Schema.json from GS1's EPCIS
repository, draft-07). Formats (uri, date-time) are checked too, which needs the
`rfc3986-validator` and `rfc3339-validator` packages besides `jsonschema`; the script refuses
to run without them rather than silently skipping those checks. Exit 0 when every document
is valid, 1 when any is not, 2 for usage errors.
"""
import json
import sys

try:
    import jsonschema
    import rfc3339_validator  # noqa: F401  (enables format "date-time")
    import rfc3986_validator  # noqa: F401  (enables format "uri")
except ImportError as error:
    sys.exit(f"validate-epcis: {error}; pip install jsonschema rfc3986-validator rfc3339-validator")


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    for needed in ("uri", "date-time"):
        if needed not in validator.format_checker.checkers:
            print(f"validate-epcis: format '{needed}' cannot be checked here", file=sys.stderr)
            return 2
    failures = 0
    for path in argv[2:]:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        events = len(document.get("epcisBody", {}).get("eventList", []))
        if errors:
            failures += 1
            print(f"{path}: INVALID ({len(errors)} errors)")
            for error in errors[:20]:
                location = "/".join(str(p) for p in error.absolute_path) or "(document)"
                print(f"  {location}: {error.message}")
        else:
            print(f"{path}: valid EPCIS 2.0 document ({events} events)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
