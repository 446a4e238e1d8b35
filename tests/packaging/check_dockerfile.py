#!/usr/bin/env python3
"""The Dockerfile, checked without a Docker engine.

- two stages; the runtime stage is debian:12-slim with `install-deps.sh runtime` only (the package list that
  check_runtime_libs.py matches against ldd) and no other package installation;
- the binary is copied to /usr/bin/patroni_exporter and is the ENTRYPOINT; EXPOSE is the default port of
  --web.listen-address;
- a numeric non-root USER, created with that uid;
- OCI labels (title, description, version, revision, source), the version from ARG VERSION, which must equal
  the CMake project version, and the build stage checks the binary's --version against it;
- the HEALTHCHECK asks /-/healthy, and its command (run here with bash against the built binary on a free port)
  succeeds while the exporter serves and fails once it is stopped.

Usage: check_dockerfile.py --dockerfile Dockerfile --exporter build/patroni_exporter --project-version 0.1.0
"""
import argparse
import json
import re
import subprocess
import sys

import pkgtest

OCI_LABELS = ["title", "description", "version", "revision", "source"]


def instructions(path):
    """[(stage index, INSTRUCTION, arguments)], with continuation lines joined and comments dropped."""
    result, stage, pending = [], -1, ""
    for line in open(path, encoding="utf-8"):
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        text, pending = pending + stripped, ""
        word, _, rest = text.partition(" ")
        word = word.upper()
        if word == "FROM":
            stage += 1
        result.append((stage, word, rest.strip()))
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dockerfile", required=True)
    parser.add_argument("--exporter", required=True)
    parser.add_argument("--project-version", required=True)
    args = parser.parse_args()
    f = pkgtest.Failures()
    ins = instructions(args.dockerfile)
    stages = [rest for _, word, rest in ins if word == "FROM"]
    f.check(len(stages) == 2, f"two stages (build, runtime) expected, found {stages}")
    last = len(stages) - 1
    runtime = [(word, rest) for stage, word, rest in ins if stage == last]
    build = [(word, rest) for stage, word, rest in ins if stage == 0]
    f.check(stages[-1:] == ["debian:12-slim"], f"runtime stage must start FROM debian:12-slim, found {stages[-1:]}")

    runs = " && ".join(rest for word, rest in runtime if word == "RUN")
    f.check("install-deps.sh runtime" in runs, "runtime stage must install `install-deps.sh runtime`")
    for command in re.split(r"&&|;|\|\|", runs):
        words = command.split()
        if words and words[0].endswith("install-deps.sh"):
            f.check(words[1:] == ["runtime"], f"runtime stage runs `{command.strip()}`: only `runtime` belongs there")
        f.check("apt-get" not in words or "install" not in words,
                f"runtime stage installs packages besides `install-deps.sh runtime`: {command.strip()}")
    copies = [rest for word, rest in runtime if word == "COPY"]
    f.check(any(c.startswith("--from=build ") and c.endswith(" /usr/bin/patroni_exporter") for c in copies),
            "runtime stage must COPY --from=build the binary to /usr/bin/patroni_exporter")
    entry = [rest for word, rest in runtime if word == "ENTRYPOINT"]
    f.check(entry and json.loads(entry[-1]) == ["/usr/bin/patroni_exporter"],
            f'ENTRYPOINT ["/usr/bin/patroni_exporter"] expected, found {entry}')

    users = [rest for word, rest in runtime if word == "USER"]
    user = users[-1] if users else ""
    m = re.fullmatch(r"(\d+)(?::(\d+))?", user)
    f.check(bool(m) and int(m.group(1)) != 0,
            f"USER must be a numeric non-root uid (Kubernetes' runAsNonRoot verifies only numbers), found {user!r}")
    if m:
        f.check(re.search(rf"useradd\b[^&]*--uid {m.group(1)}\b", runs) is not None,
                f"no `useradd --uid {m.group(1)}` in the runtime stage for USER {user}")

    known = pkgtest.help_flags(args.exporter)
    default_port = (known.get("--web.listen-address") or "").rsplit(":", 1)[-1]
    exposed = [rest for word, rest in runtime if word == "EXPOSE"]
    f.check(exposed == [default_port], f"EXPOSE {default_port} (the default listen port) expected, found {exposed}")

    global_args = {}
    for stage, word, rest in ins:
        if word == "ARG" and stage == -1:
            name, _, value = rest.partition("=")
            global_args[name] = value
    f.check(global_args.get("VERSION") == args.project_version,
            f"ARG VERSION={args.project_version} (CMake's project version) expected, found "
            f"{global_args.get('VERSION')!r}")
    build_runs = " ".join(rest for word, rest in build if word == "RUN")
    f.check('--version | grep -F "version ${VERSION} "' in build_runs,
            "the build stage must check the binary's --version against ARG VERSION")
    labels = " ".join(rest for word, rest in runtime if word == "LABEL")
    for name in OCI_LABELS:
        f.check(f"org.opencontainers.image.{name}=" in labels, f"LABEL org.opencontainers.image.{name} missing")
    f.check('org.opencontainers.image.version="${VERSION}"' in labels, "the version label must be ${VERSION}")

    health = [rest for word, rest in runtime if word == "HEALTHCHECK"]
    if f.check(len(health) == 1, f"one HEALTHCHECK expected, found {len(health)}"):
        m = re.search(r"\bCMD\s+(\[.*\])\s*$", health[0])
        if f.check(m is not None, "HEALTHCHECK must use the exec form CMD [...]"):
            command = json.loads(m.group(1))
            text = " ".join(command)
            f.check("/-/healthy" in text, "HEALTHCHECK must ask /-/healthy")
            f.check(f"/{default_port} " in text or f":{default_port}" in text,
                    f"HEALTHCHECK must ask the default port {default_port}")
            if command[0] == "/bin/bash" and not f.items:
                argv = [args.exporter, "--patroni.url", "http://127.0.0.1:1"]
                with pkgtest.Exporter(argv, kill_on_exit=True) as exporter:
                    local = [w.replace(f"/{default_port} ", f"/{exporter.port} ") for w in command]
                    up = subprocess.run(local, capture_output=True, text=True, timeout=10)
                    f.check(up.returncode == 0, f"HEALTHCHECK fails against a serving exporter: {up.stderr}")
                down = subprocess.run(local, capture_output=True, text=True, timeout=10)
                f.check(down.returncode != 0, "HEALTHCHECK succeeds with the exporter stopped")
                print(f"HEALTHCHECK command: exit {up.returncode} while serving, {down.returncode} once stopped")
    return f.finish(f"{args.dockerfile}: stages, runtime packages, user, labels, version and health check")


if __name__ == "__main__":
    sys.exit(main())
