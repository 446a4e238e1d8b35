#!/usr/bin/env python3
"""Renders the monitoring mixin (mixin/*.libsonnet) into the files users load directly:

  rules/patroni-*.yml                      Prometheus rule files (recording rules and alerts)
  dashboards/patroni-*.json                Grafana dashboards
  deploy/kubernetes/prometheusrule.yaml    the same rules as a Prometheus Operator PrometheusRule

The mixin is the one source: edit mixin/, run `python3 mixin/render.py`, commit the mixin and what it writes.
The ctest `mixin_rendered` runs `--check`, which fails when a committed file differs from a fresh render.

  render.py                     write the files into the repository
  render.py --check             render into a temporary directory, compare with the repository, exit 1 on a difference
  render.py --out DIR           write them under DIR (same relative paths)
  render.py --config FILE       merge FILE (a jsonnet object, e.g. { groupLabels: ['cluster', 'namespace'] }) into
                                _config first
Needs Debian's `jsonnet` (0.18) and PyYAML. YAML is written here, not by jsonnet, so that the rule files keep
the comments of mixin/ (each rule's `comment::`) and the block styles a reader expects; every file written is
parsed back and compared with what jsonnet produced.
"""
import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import re
import textwrap

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WIDTH = 118
PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_:./-]*")
ANNOTATION_ORDER = ["summary", "description", "runbook_url"]
GENERATED = "Generated from mixin/ by `python3 mixin/render.py`: edit the mixin, not this file."


def q(s):
    """A YAML double-quoted scalar (JSON's escapes are a subset of YAML's)."""
    return json.dumps(s, ensure_ascii=False)


def folded(s, indent):
    """`>-` lines for s, or None when folding could not give s back (newlines, runs of spaces, edge spaces)."""
    if "\n" in s or "  " in s or s != s.strip() or not s:
        return None
    lines = textwrap.wrap(s, width=WIDTH - len(indent), break_long_words=False, break_on_hyphens=False)
    if " ".join(lines) != s:
        return None
    return [indent + l for l in lines]


def scalar(key, value, indent, lines=None):
    """`key: value` lines: multi-line strings as literal blocks, long prose folded, the rest quoted."""
    if isinstance(value, str):
        if "\n" in value and value.endswith("\n") and not value.endswith("\n\n") and \
                all(l == l.rstrip() and not l.startswith(" ") for l in value.rstrip("\n").split("\n")[:1]):
            return [indent + key + ": |"] + [(indent + "  " + l) if l else "" for l in value.rstrip("\n").split("\n")]
        if lines and " ".join(lines) == value and not any(l != l.strip() or not l for l in lines):
            return [indent + key + ": >-"] + [indent + "  " + l for l in lines]
        if key == "description" and len(indent) + len(key) + len(q(value)) + 2 > WIDTH:
            body = folded(value, indent + "  ")
            if body:
                return [indent + key + ": >-"] + body
        if PLAIN.fullmatch(value) and yaml.safe_load(value) == value:
            return [indent + key + ": " + value]
        return [indent + key + ": " + q(value)]
    if isinstance(value, bool):
        return [indent + key + ": " + ("true" if value else "false")]
    if isinstance(value, (int, float)):
        return [indent + key + ": " + json.dumps(value)]
    raise TypeError("cannot write %r" % (value,))


def comment_lines(text, indent):
    return [(indent + "# " + l).rstrip() for l in text.rstrip("\n").split("\n")] if text else []


def rule_lines(entry, indent):
    """One rule as a list item: its comment, then record/alert, expr, for, labels, annotations."""
    rule = entry["rule"]
    out = comment_lines(entry["comment"], indent)
    first = True
    for key in ("record", "alert", "expr", "for", "labels", "annotations"):
        if key not in rule:
            continue
        lead = indent + ("- " if first else "  ")
        first = False
        if isinstance(rule[key], dict):
            out.append(lead + key + ":")
            keys = sorted(rule[key], key=lambda k: (ANNOTATION_ORDER.index(k) if k in ANNOTATION_ORDER else 99, k))
            for k, v in ((k, rule[key][k]) for k in keys):
                out += scalar(k, v, indent + "    ", entry["descriptionText"].rstrip("\n").split("\n") if k == "description" else None)
        else:
            lines = scalar(key, rule[key], indent + "  ")
            lines[0] = lead + lines[0][len(indent) + 2:]
            out += lines
    unknown = set(rule) - {"record", "alert", "expr", "for", "labels", "annotations"}
    if unknown:
        raise ValueError("rule %s: fields %s" % (rule.get("alert") or rule.get("record"), sorted(unknown)))
    return out


def groups_lines(groups, indent):
    out = []
    for g in groups:
        if out:
            out.append("")
        out += [indent + "- name: " + g["name"], indent + "  rules:"]
        for i, entry in enumerate(g["rules"]):
            if i or out[-1].strip() != "rules:":
                out.append("")
            out += rule_lines(entry, indent + "    ")
    return out


def plain(groups):
    return [{"name": g["name"], "rules": [e["rule"] for e in g["rules"]]} for g in groups]


def render(out_dir, config_file):
    cmd = ["jsonnet", "-J", HERE, os.path.join(HERE, "render.jsonnet")]
    if config_file:
        cmd += ["--tla-code-file", "config=" + os.path.abspath(config_file)]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if r.returncode != 0:
        sys.exit("jsonnet failed:\n" + r.stderr)
    data = json.loads(r.stdout)
    written = []

    def write(rel, text, expect_yaml=None):
        path = os.path.join(out_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        if expect_yaml is not None and yaml.safe_load(text) != expect_yaml:
            sys.exit("render.py: %s does not parse back to what jsonnet produced (a bug in the YAML writer)" % rel)
        written.append(rel)

    for name, rf in sorted(data["rule_files"].items()):
        lines = comment_lines(rf["header"], "") + ["#", "# " + GENERATED, "groups:"] + groups_lines(rf["groups"], "  ")
        write(os.path.join("rules", name), "\n".join(lines) + "\n", {"groups": plain(rf["groups"])})
    for name, board in sorted(data["dashboards"].items()):
        write(os.path.join("dashboards", name), json.dumps(board, indent=2) + "\n")
    pr = data["prometheusRule"]
    meta = pr["metadata"]
    lines = ["# The alert and recording rules of rules/*.yml as a Prometheus Operator PrometheusRule (label it for",
             "# your Prometheus' ruleSelector). " + GENERATED,
             "apiVersion: " + pr["apiVersion"], "kind: " + pr["kind"], "metadata:", "  name: " + meta["name"],
             "  labels:"] + ["    %s: %s" % (k, v) for k, v in meta["labels"].items()] + \
            ["spec:", "  groups:"] + groups_lines(pr["spec"]["groups"], "    ")
    expect = dict(pr, spec={"groups": plain(pr["spec"]["groups"])})
    write(os.path.join("deploy", "kubernetes", "prometheusrule.yaml"), "\n".join(lines) + "\n", expect)
    return written


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out")
    ap.add_argument("--config")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    if args.check:
        tmp = tempfile.mkdtemp(prefix="mixin-render-")
        try:
            written = render(tmp, args.config)
            bad = 0
            for rel in written:
                with open(os.path.join(tmp, rel)) as f:
                    fresh = f.read().splitlines(True)
                try:
                    with open(os.path.join(ROOT, rel)) as f:
                        committed = f.read().splitlines(True)
                except FileNotFoundError:
                    committed = []
                if fresh != committed:
                    bad += 1
                    sys.stdout.writelines(list(difflib.unified_diff(committed, fresh, "a/" + rel, "b/" + rel))[:60])
                    print("FAIL %s differs from a fresh render of mixin/" % rel)
            print("%d files rendered, %d out of step (run `python3 mixin/render.py` and commit)" % (len(written), bad))
            return 1 if bad else 0
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    for rel in render(args.out or ROOT, args.config):
        print("wrote " + rel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
