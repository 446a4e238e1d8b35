#!/usr/bin/env python3
"""One version, from project(... VERSION) in CMakeLists.txt, everywhere it shows.

- `patroni_exporter --version` prints it (and the same revision as the build info);
- `patroni_exporter_build_info{version}` on /metrics carries it;
- the Debian package gets it (CPACK_PACKAGE_VERSION in the build's CPackConfig.cmake);
- CHANGELOG.md's newest released entry is it (an [Unreleased] section above it is fine), with a date.
(The Dockerfile's ARG VERSION and the Kubernetes image tags are checked by check_dockerfile.py and
check_kubernetes.py.)

Usage: check_release.py --project-version 0.1.0 --exporter build/patroni_exporter --changelog CHANGELOG.md
       --cpack-config build/CPackConfig.cmake
"""
import argparse
import re
import subprocess
import sys

import pkgtest


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project-version", required=True)
    parser.add_argument("--exporter", required=True)
    parser.add_argument("--changelog", required=True)
    parser.add_argument("--cpack-config", required=True)
    args = parser.parse_args()
    version = args.project_version
    f = pkgtest.Failures()

    out = subprocess.run([args.exporter, "--version"], capture_output=True, text=True, timeout=10).stdout
    m = re.match(r"^patroni_exporter, version (\S+) \(revision: (\S+)\)", out)
    if f.check(m is not None, f"--version output not understood: {out!r}"):
        f.check(m.group(1) == version, f"--version says {m.group(1)}, the project version is {version}")
        revision = m.group(2)
        with pkgtest.Exporter([args.exporter, "--patroni.url", "http://127.0.0.1:1", "--patroni.timeout", "200ms"],
                              kill_on_exit=True) as exporter:
            status, body = pkgtest.http_get(exporter.base + "/metrics")
        info = re.search(r"^patroni_exporter_build_info\{([^}]*)\} 1$", body, re.M)
        if f.check(status == 200 and info is not None, f"/metrics: status {status}, no patroni_exporter_build_info"):
            labels = dict(re.findall(r'(\w+)="([^"]*)"', info.group(1)))
            f.check(labels.get("version") == version, f"build_info version {labels.get('version')}, not {version}")
            f.check(labels.get("revision") == revision,
                    f"build_info revision {labels.get('revision')}, --version says {revision}")

    cpack = open(args.cpack_config, encoding="utf-8").read()
    m = re.search(r'^set\(CPACK_PACKAGE_VERSION "([^"]*)"\)', cpack, re.M)
    f.check(m is not None and m.group(1) == version,
            f"{args.cpack_config}: CPACK_PACKAGE_VERSION {m.group(1) if m else None}, not {version}")

    entries = re.findall(r"^## \[([^\]]+)\](?: - (\S+))?", open(args.changelog, encoding="utf-8").read(), re.M)
    released = [(v, d) for v, d in entries if v.lower() != "unreleased"]
    if f.check(bool(released), f"{args.changelog}: no `## [X.Y.Z] - YYYY-MM-DD` entry"):
        newest, date = released[0]
        f.check(newest == version, f"{args.changelog}: newest entry is {newest}, the project version is {version}")
        f.check(re.fullmatch(r"\d{4}-\d{2}-\d{2}", date or "") is not None,
                f"{args.changelog}: entry {newest} has no date")
    return f.finish(f"version {version} in --version, build info, the package and {args.changelog}")


if __name__ == "__main__":
    sys.exit(main())
