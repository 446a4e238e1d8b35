#!/usr/bin/env python3
"""docs/configuration.md against the code, so the reference cannot drift.

- flags: the rows of kind `flag` name exactly the flags `patroni_exporter --help` lists (`--[no-]x` stands for
  `--x` and `--no-x`), in both directions, and a default --help shows appears in the row's default cell
  (`true`/`false` for switches);
- config-file keys: the rows of kind `config file` are exactly the keys exporter/config.cc accepts (its
  CheckKeys(...) sets, each mapped to its place in the file);
- value types and variables: the value word of a flag's row (`--patroni.timeout DURATION`) is the type --help
  shows, and --help names each flag's variable PATRONI_EXPORTER_<NAME> (the rule the doc states);
- environment: every variable the sources read with getenv() has a row, and so do PGPASSWORD and PGPASSFILE
  (read by libpq);
- the Debian package: every variable packaging/patroni_exporter.default sets (or shows commented out) has a
  row of kind `/etc/default/patroni_exporter` or `environment`.

Usage: check_configuration_docs.py --doc docs/configuration.md --exporter build/patroni_exporter --root .
"""
import argparse
import glob
import os
import re
import subprocess
import sys

import pkgtest

# The YAML node each CheckKeys(...) call in exporter/config.cc checks, by the C++ variable it passes.
CONFIG_NODES = {"root": "", "c": "clusters[].", "tls": "clusters[].tls.", "probe": "probe."}


def table_rows(doc):
    """[(names, kind, default, meaning)] of the reference table; names are the backticked words of cell 1."""
    rows = []
    for line in open(doc, encoding="utf-8"):
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4:
            continue
        names = [n.split()[0] for n in re.findall(r"`([^`]+)`", cells[0])]
        rows.append((names, cells[1], cells[2], cells[3]))
    return rows


def expand(flag):
    m = re.fullmatch(r"--\[no-\](.+)", flag)
    return [f"--{m.group(1)}", f"--no-{m.group(1)}"] if m else [flag]


def help_types_and_variables(exporter):
    """{flag: (value type or None, Env: variable or None)} from `exporter --help`."""
    out = subprocess.run([exporter, "--help"], check=True, capture_output=True, text=True, timeout=10).stdout
    flags = {}
    for line in out.splitlines():
        m = re.match(r"^  (--[a-z][a-z.\-]*)(?:,[^ ]*)?(?: ([A-Z]+)(?:=\S*)?)?(?: \.\.\.)?(?: \(Env:(\w+)\))?", line)
        if m:
            flags[m.group(1)] = (m.group(2), m.group(3))
    return flags


def doc_value_words(doc):
    """{flag: value word or None} of the flag rows: `--patroni.timeout DURATION` -> DURATION."""
    words = {}
    for line in open(doc, encoding="utf-8"):
        if not line.startswith("| `--"):
            continue
        first = line.strip().strip("|").split("|")[0]
        for name in re.findall(r"`([^`]+)`", first):
            parts = name.split()
            for flag in expand(parts[0]):
                words[flag] = parts[1] if len(parts) > 1 else None
    return words


def config_keys(config_cc):
    text = open(config_cc, encoding="utf-8").read()
    keys, unknown = set(), []
    for var, body in re.findall(r"CheckKeys\(\s*(\w+)\s*,\s*\{([^}]*)\}", text):
        if var not in CONFIG_NODES:
            unknown.append(var)
            continue
        for key in re.findall(r'"([^"]+)"', body):
            keys.add(CONFIG_NODES[var] + key)
    return keys, unknown


def getenv_names(root):
    names = set()
    for path in glob.glob(os.path.join(root, "exporter", "**", "*.cc"), recursive=True) + \
            glob.glob(os.path.join(root, "collectors", "**", "*.cc"), recursive=True):
        names.update(re.findall(r'getenv\(\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\)',
                                open(path, encoding="utf-8").read()))
    return names


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--doc", required=True)
    parser.add_argument("--exporter", required=True)
    parser.add_argument("--root", required=True)
    args = parser.parse_args()
    f = pkgtest.Failures()
    rows = table_rows(args.doc)
    f.check(len(rows) > 20, f"{args.doc}: no reference table found")

    help_flags = pkgtest.help_flags(args.exporter)
    documented = {}
    for names, kind, default, _ in rows:
        if kind == "flag":
            for name in names:
                for flag in expand(name):
                    documented[flag] = default
    for flag in sorted(set(help_flags) - set(documented)):
        f.fail(f"--help lists {flag}, {args.doc} does not")
    for flag in sorted(set(documented) - set(help_flags)):
        f.fail(f"{args.doc} lists {flag}, --help does not")
    for flag, default in help_flags.items():
        if default and flag in documented and not flag.startswith("--no-"):
            f.check(f"`{default}`" in documented[flag],
                    f"{flag}: --help says the default is {default}, {args.doc} says {documented[flag]!r}")

    types = help_types_and_variables(args.exporter)
    words = doc_value_words(args.doc)
    for flag, (type_name, variable) in sorted(types.items()):
        if flag in ("--help", "--version"):
            continue
        f.check(type_name != "TEXT", f"{flag}: --help shows the value as TEXT (give it a type_name)")
        if flag in words:
            f.check(words[flag] == type_name,
                    f"{flag}: --help shows the value as {type_name}, {args.doc} as {words[flag]}")
        expected = "PATRONI_EXPORTER_" + re.sub(r"[.\-]", "_", flag.lstrip("-")).upper()
        f.check(variable == expected, f"{flag}: --help names the variable {variable}, expected {expected}")

    keys, unknown = config_keys(os.path.join(args.root, "exporter", "config.cc"))
    for var in unknown:
        f.fail(f"exporter/config.cc checks keys of a node held in `{var}`: add it to CONFIG_NODES in {__file__}")
    f.check(len(keys) > 5, "found no CheckKeys(...) sets in exporter/config.cc")
    doc_keys = {n for names, kind, _, _ in rows if kind == "config file" for n in names}
    for key in sorted(keys - doc_keys):
        f.fail(f"exporter/config.cc accepts the key {key}, {args.doc} does not list it")
    for key in sorted(doc_keys - keys):
        f.fail(f"{args.doc} lists the key {key}, exporter/config.cc does not accept it")

    doc_env = {n for names, kind, _, _ in rows if kind in ("environment", "/etc/default/patroni_exporter")
               for n in names}
    for name in sorted(getenv_names(args.root) | {"PGPASSWORD", "PGPASSFILE"}):
        f.check(name in doc_env, f"the exporter reads the environment variable {name}, {args.doc} does not list it")
    default_file = os.path.join(args.root, "packaging", "patroni_exporter.default")
    env, _ = pkgtest.read_environment_file(default_file)
    for name in sorted(set(env) | {k for k, _ in pkgtest.commented_assignments(default_file)}):
        f.check(name in doc_env, f"{default_file} sets {name}, {args.doc} does not list it")

    kinds = {kind for _, kind, _, _ in rows}
    f.check(kinds <= {"flag", "config file", "environment", "/etc/default/patroni_exporter"},
            f"{args.doc}: unknown kinds {kinds}")
    return f.finish(f"{args.doc}: {len(documented)} flags, {len(doc_keys)} config-file keys and "
                    f"{len(doc_env)} variables match --help, exporter/config.cc and the sources")


if __name__ == "__main__":
    sys.exit(main())
