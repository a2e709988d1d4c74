#!/usr/bin/python3
"""validate_json.py SCHEMA DOCUMENT — validates a JSON document against a JSON Schema
(draft 2020-12) and prints every violation. Exit 0 valid, 1 invalid, 77 when python3-jsonschema
is missing (the test is then skipped)."""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("SKIP: python3-jsonschema is not installed (apt-get install python3-jsonschema)")
    sys.exit(77)


def main():
    schema_path, doc_path = sys.argv[1], sys.argv[2]
    with open(schema_path) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    with open(doc_path) as f:
        try:
            doc = json.load(f)
        except json.JSONDecodeError as e:
            print(f"{doc_path}: not JSON: {e}")
            return 1
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=str)
    for e in errors:
        where = "/".join(str(p) for p in e.absolute_path) or "(root)"
        print(f"{doc_path}: {where}: {e.message}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
