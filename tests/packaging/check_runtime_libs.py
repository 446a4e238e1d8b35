#!/usr/bin/env python3
"""The container image's runtime package set covers what the binary links, and holds nothing else.

The Dockerfile's runtime stage installs `scripts/install-deps.sh runtime` on debian:12-slim and copies the
binary in. No Docker engine runs here, so this checks the same thing offline, against the build's binary:

- every library `ldd` resolves (direct and indirect) belongs to a package (`dpkg -S`) that the runtime set, or
  the Essential packages every Debian image has, pulls in through Depends/Pre-Depends;
- every library the binary names itself (DT_NEEDED) belongs to a package listed in the runtime set by name (or
  an Essential one, such as libc6), so a dependency that only happens to come in through another library is
  still listed;
- every listed package (except the non-library ones named below) provides at least one of those libraries, so
  the image carries nothing the binary does not use.

Usage: check_runtime_libs.py --exporter build/patroni_exporter --install-deps scripts/install-deps.sh
"""
import argparse
import os
import re
import subprocess
import sys

# Listed in the runtime set for another reason than a linked library.
NON_LIBRARY_PACKAGES = {"ca-certificates": "CA bundle for HTTPS to Patroni (--patroni.ca-file defaults to it)"}
# The project's own libraries (the CivetWeb TLS shims, docs/security.md): built and shipped with the binary in
# lib/patroni_exporter/, owned by no other package.
OWN_LIBRARY_DIR = "/lib/patroni_exporter/"
# Sanitizer runtimes of a -DPATRONI_EXPORTER_SANITIZE=ON build: never in a release image.
SANITIZER_LIBS = re.compile(r"^lib(asan|ubsan|lsan|tsan)\.so")


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def runtime_set(install_deps):
    text = open(install_deps, encoding="utf-8").read()
    match = re.search(r"^runtime_pkgs=\((.*?)^\)", text, re.S | re.M)
    if not match:
        sys.exit(f"{install_deps}: no runtime_pkgs=( ... ) array")
    words = []
    for line in match.group(1).splitlines():
        words += line.split("#", 1)[0].split()
    return words


def needed_sonames(binary):
    return re.findall(r"^\s*NEEDED\s+(\S+)", run(["objdump", "-p", binary]), re.M)


def resolved_libraries(binary):
    """soname -> path for every library ldd resolves; exits on one it cannot find."""
    libs, missing = {}, []
    for line in run(["ldd", binary]).splitlines():
        m = re.match(r"\s*(\S+)\s+=>\s+(.*?)\s+\(0x", line)
        if m:
            libs[m.group(1)] = m.group(2)
        elif "not found" in line:
            missing.append(line.strip())
    if missing:
        sys.exit("ldd cannot resolve: " + "; ".join(missing))
    return libs


def usrmerge_twins(path):
    """The path as ldd gave it and its /usr-merged twins: Debian 12 registers a library under either."""
    candidates = [path, os.path.realpath(path)]
    for p in list(candidates):
        candidates.append(p[len("/usr"):] if p.startswith("/usr/") else "/usr" + p)
    return list(dict.fromkeys(candidates))


def owning_packages(paths):
    """path -> package, from one dpkg -S over every path and its twins (unknown paths are left out)."""
    candidates = {c: p for p in paths for c in usrmerge_twins(p)}
    result = subprocess.run(["dpkg", "-S", *candidates], capture_output=True, text=True)
    owners = {}
    for line in result.stdout.splitlines():
        pkgs, _, path = line.partition(": ")
        if path in candidates:
            owners.setdefault(candidates[path], pkgs.split(",")[0].split(":")[0].strip())
    return owners


class Installed:
    """Depends, Pre-Depends and Provides of the installed packages, as dpkg knows them."""

    def __init__(self):
        out = run(["dpkg-query", "-W", "-f",
                   "${Package}\t${Status}\t${Essential}\t${Depends}\t${Pre-Depends}\t${Provides}\n"])
        self.deps, self.essential, self.provided_by = {}, set(), {}
        for line in out.splitlines():
            name, status, essential, depends, pre_depends, provides = line.split("\t")
            if not status.endswith(" installed"):
                continue
            self.deps[name] = [d for d in (depends, pre_depends) if d]
            if essential == "yes":
                self.essential.add(name)
            for p in filter(None, (x.strip() for x in provides.split(","))):
                self.provided_by.setdefault(p.split()[0], []).append(name)

    def resolve(self, name):
        name = name.split(":")[0]
        if name in self.deps:
            return name
        providers = self.provided_by.get(name, [])
        return providers[0] if providers else None

    def closure(self, roots):
        seen, todo, unresolved = set(), list(roots), []
        while todo:
            pkg = self.resolve(todo.pop())
            if pkg is None or pkg in seen:
                continue
            seen.add(pkg)
            for field in self.deps[pkg]:
                for group in field.split(","):
                    # "a (>= 1) | b": the first alternative installed here is the one apt would keep.
                    alternatives = [a.strip().split()[0] for a in group.split("|") if a.strip()]
                    chosen = next((a for a in alternatives if self.resolve(a)), None)
                    if chosen:
                        todo.append(chosen)
                    elif alternatives:
                        unresolved.append(f"{pkg}: {group.strip()}")
        return seen, unresolved


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--exporter", required=True)
    parser.add_argument("--install-deps", required=True)
    args = parser.parse_args()

    listed = runtime_set(args.install_deps)
    installed = Installed()
    errors = []
    not_installed = [p for p in listed if installed.resolve(p) is None]
    if not_installed:
        sys.exit(f"runtime packages not installed on this machine, cannot check: {' '.join(not_installed)} "
                 f"(run scripts/install-deps.sh runtime)")

    essential_closure, _ = installed.closure(installed.essential)
    image_closure, unresolved = installed.closure(listed + sorted(installed.essential))
    errors += [f"dependency not installed here: {u}" for u in unresolved]

    resolved = resolved_libraries(args.exporter)
    own = {s: p for s, p in resolved.items() if OWN_LIBRARY_DIR in p}
    libs = {s: p for s, p in resolved.items() if not SANITIZER_LIBS.match(s) and s not in own}
    direct = [s for s in needed_sonames(args.exporter) if not SANITIZER_LIBS.match(s) and s not in own]
    for soname, path in sorted(own.items()):
        print(f"  own library {soname} ({path}), shipped with the binary")
    package_of = {}
    owners = owning_packages(libs.values())
    for soname, path in sorted(libs.items()):
        pkg = owners.get(path)
        if pkg is None:
            errors.append(f"{soname} ({path}) belongs to no Debian package (built by hand?)")
            continue
        package_of[soname] = pkg
        if pkg not in image_closure:
            errors.append(f"{soname} ({path}, package {pkg}) is not pulled in by the runtime set or Essential")
    for soname in direct:
        pkg = package_of.get(soname)
        if pkg and pkg not in listed and pkg not in essential_closure:
            errors.append(f"the binary links {soname} directly: add its package {pkg} to runtime_pkgs in "
                          f"{args.install_deps}")
    used = set(package_of.values())
    for pkg in listed:
        if pkg not in used and pkg not in NON_LIBRARY_PACKAGES:
            errors.append(f"runtime_pkgs lists {pkg}, which provides none of the libraries the binary loads")

    print(f"runtime set ({len(listed)}): {' '.join(listed)}")
    print(f"libraries resolved by ldd: {len(libs)}, linked directly: {len(direct)}")
    for soname in direct:
        print(f"  {soname:28} {package_of.get(soname, '?')}")
    if errors:
        for e in errors:
            print("FAIL: " + e)
        return 1
    print("OK: the runtime set covers every library the binary loads, and lists only what it uses")
    return 0


if __name__ == "__main__":
    sys.exit(main())
