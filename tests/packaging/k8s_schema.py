"""Validation of Kubernetes objects against the hand-written schema subsets in kubernetes_schemas.yaml (which says
what each was read from), with Debian's python3-jsonschema.

The file's `$ref`s (JSON pointers into the same file) are inlined here once, so only the plain Draft 7 validator
is needed and nothing depends on a jsonschema version's reference-resolver API."""
import copy
import os

import jsonschema
import yaml

SCHEMA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kubernetes_schemas.yaml")


def _pointer(root, ref):
    if not ref.startswith("#/"):
        raise ValueError(f"only local references are used here, not {ref}")
    node = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _inline(node, root, depth=0):
    if depth > 50:
        raise ValueError("reference cycle in the schema file")
    if isinstance(node, dict):
        if "$ref" in node:
            if len(node) != 1:
                raise ValueError(f"$ref with sibling keys: {node}")
            return _inline(copy.deepcopy(_pointer(root, node["$ref"])), root, depth + 1)
        return {k: _inline(v, root, depth) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, root, depth) for v in node]
    return node


class Schemas:
    """kinds: {kind: schema}, fragments: {name: schema}, all references inlined."""

    def __init__(self, path=SCHEMA_FILE):
        with open(path, encoding="utf-8") as f:
            root = yaml.safe_load(f)
        self.kinds = {k: _inline(v, root) for k, v in root["kinds"].items()}
        self.fragments = {k: _inline(v, root) for k, v in root["fragments"].items()}
        for schema in list(self.kinds.values()) + list(self.fragments.values()):
            jsonschema.Draft7Validator.check_schema(schema)

    @staticmethod
    def _errors(schema, instance):
        validator = jsonschema.Draft7Validator(schema)
        out = []
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
            path = ".".join(str(p) for p in error.absolute_path) or "(top)"
            out.append(f"{path}: {error.message}")
        return out

    def object_errors(self, doc):
        """Schema errors of one object; [] when valid or when its kind has no schema here (RBAC, ServiceAccount)."""
        schema = self.kinds.get(doc.get("kind"))
        return self._errors(schema, doc) if schema else []

    def fragment_errors(self, name, instance):
        if name not in self.fragments:
            return [f"no fragment schema named {name!r} (known: {sorted(self.fragments)})"]
        return self._errors(self.fragments[name], instance)
