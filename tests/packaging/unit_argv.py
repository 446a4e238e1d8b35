#!/usr/bin/env python3
"""Print the command line a systemd unit's ExecStart= runs, NUL-separated, with its EnvironmentFile= read and
expanded as systemd does (for deb_test.sh, on a machine where systemd is not PID 1).

Usage: unit_argv.py --unit /usr/lib/systemd/system/patroni_exporter.service [--set KEY=VALUE ...]
"""
import argparse
import os
import sys

import pkgtest


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--unit", required=True)
    parser.add_argument("--set", action="append", default=[], help="override a variable, as an operator's edit")
    args = parser.parse_args()
    service = dict(pkgtest.read_unit(args.unit).get("Service", []))
    env = {}
    for spec in [v for k, v in pkgtest.read_unit(args.unit).get("Service", []) if k == "EnvironmentFile"]:
        optional, path = spec.startswith("-"), spec.lstrip("-")
        if not os.path.exists(path):
            if optional:
                continue
            sys.exit(f"EnvironmentFile {path} is missing")
        values, problems = pkgtest.read_environment_file(path)
        if problems:
            sys.exit("\n".join(problems))
        env.update(values)
    for item in args.set:
        key, _, value = item.partition("=")
        env[key] = value
    words = pkgtest.expand_exec(service["ExecStart"], env)
    sys.stdout.write("".join(w + "\0" for w in words))
    return 0


if __name__ == "__main__":
    sys.exit(main())
