"""Validates FHIR R4 JSON documents with fhir.resources (R4 4.0.1 models): each argument is a
file holding a resource (often a Bundle). A Bundle's entries are validated one by one as well,
so a bad resource is named by its entry. Exit status 0 only when every document is valid."""

import json
import sys

import fhir.resources
from fhir.resources import get_fhir_model_class


def validate(resource, where):
    kind = resource.get("resourceType")
    try:
        model = get_fhir_model_class(kind)
    except (KeyError, ValueError):
        return [f"{where}: unknown resourceType {kind!r}"]
    try:
        model.parse_obj(resource)
    except Exception as error:  # pydantic.ValidationError and type errors alike
        return [f"{where} ({kind}): {error}"]
    return []


def main(paths):
    assert fhir.resources.__fhir_version__ == "4.0.1", fhir.resources.__fhir_version__
    problems = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
        problems += validate(document, path)
        for i, entry in enumerate(document.get("entry", []) if document.get("resourceType") == "Bundle" else []):
            if "resource" in entry:
                problems += validate(entry["resource"], f"{path} entry {i + 1}")
    for problem in problems:
        print(problem)
    print(f"{len(paths)} document(s), {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
