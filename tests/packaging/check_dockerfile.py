#!/usr/bin/env python3
"""The Dockerfile, checked without a Docker engine.

- two stages; the runtime stage is debian:12-slim with `install-deps.sh runtime` only (the package list that
  check_runtime_libs.py matches against ldd) and no other package installation;
- the binary is copied to /usr/bin/patroni_exporter and is the ENTRYPOINT; EXPOSE is the default port of
  --web.listen-address;
- a numeric non-root USER, created with that uid;
- OCI labels (title, description, version, revision, source), the version from ARG VERSION, which must equal
  the CMake project version, and the build stage checks the binary's --version against it;
- the HEALTHCHECK is `patroni_exporter healthcheck` (exporter/health_check.h), which follows the exporter's own
  flags: run here with the built binary beside exporters serving plain HTTP on one address, HTTPS on every
  interface and HTTPS requiring a client certificate, it succeeds while each serves and fails once it is stopped;
  in a PID namespace of its own (unshare, as root), like a container's, it finds the exporter without a PID.

Usage: check_dockerfile.py --dockerfile Dockerfile --exporter build/patroni_exporter --project-version 0.1.0
       --web-config-dir tests/testdata/web_config/valid
"""
import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

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


def wait_listening(port, proc, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the exporter exited with {proc.returncode}: {proc.stdout.read()}")
        with contextlib.closing(socket.socket()) as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def healthcheck(exporter, *extra):
    run = subprocess.run([exporter, "healthcheck", *extra], capture_output=True, text=True, timeout=15)
    return run.returncode, (run.stdout + run.stderr).strip()


def check_healthcheck(f, exporter, web_config_dir):
    """The image's HEALTHCHECK command, run with the built binary beside exporters configured as users do: it
    must pass while each serves (plain HTTP on one address, HTTPS on all interfaces, HTTPS that requires a client
    certificate) and fail once it is stopped. Then, where this machine lets us (root, unshare), in a PID namespace
    of its own like a container's, the form without a PID, which finds the exporter by itself."""
    cases = [
        ("plain HTTP on one address", lambda port: ["--web.listen-address", f"127.0.0.1:{port}"],
         "http://127.0.0.1:{port}/-/healthy"),
        ("HTTPS on every interface", lambda port: ["--web.listen-address", f":{port}", "--web.config.file",
                                                   os.path.join(web_config_dir, "tls.yml")],
         "https://127.0.0.1:{port}/-/healthy"),
        ("HTTPS requiring a client certificate", lambda port: [
            "--web.listen-address", f"localhost:{port}", "--web.config.file",
            os.path.join(web_config_dir, "tls_require_any.yml")], "https://127.0.0.1:{port}/-/healthy"),
    ]
    for name, flags, url in cases:
        port = pkgtest.free_port()
        argv = [exporter, "--patroni.url", "http://127.0.0.1:1"] + flags(port)
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            wait_listening(port, proc)
            code, out = healthcheck(exporter, str(proc.pid))
            f.check(code == 0 and url.format(port=port) in out,
                    f"HEALTHCHECK against an exporter serving {name}: exit {code}: {out}")
            print(f"HEALTHCHECK, {name}: exit {code}: {out}")
        except RuntimeError as e:
            f.fail(f"HEALTHCHECK, {name}: {e}")
        finally:
            proc.kill()
            proc.wait()
        code, out = healthcheck(exporter, str(proc.pid))
        f.check(code != 0, f"HEALTHCHECK succeeds with the exporter ({name}) stopped: {out}")

    unshare = shutil.which("unshare")
    probe = subprocess.run([unshare, "--pid", "--fork", "--mount-proc", "true"], capture_output=True,
                           timeout=10) if unshare else None
    if probe is None or probe.returncode != 0:
        print("NOTE: no PID namespace here (unshare --pid needs root): the HEALTHCHECK without a PID, as in a "
              "container, was not exercised")
        return
    port = pkgtest.free_port()
    script = (
        '"$1" --patroni.url http://127.0.0.1:1 --web.listen-address ":$2" --web.config.file "$3" '
        '>/dev/null 2>&1 & pid=$!\n'
        'for i in $(seq 100); do "$1" healthcheck >/dev/null 2>&1 && break; sleep 0.1; done\n'
        '"$1" healthcheck; up=$?\n'
        'kill -9 $pid; wait $pid 2>/dev/null\n'
        '"$1" healthcheck; down=$?\n'
        'echo "up=$up down=$down"\n')
    run = subprocess.run([unshare, "--pid", "--fork", "--mount-proc", "sh", "-c", script, "sh", exporter,
                          str(port), os.path.join(web_config_dir, "tls.yml")],
                         capture_output=True, text=True, timeout=60)
    out = (run.stdout + run.stderr).strip()
    f.check("up=0 down=1" in out and "no patroni_exporter process" in out and "https://127.0.0.1" in out,
            f"HEALTHCHECK without a PID in a PID namespace of its own: {out}")
    print(f"HEALTHCHECK in a PID namespace of its own, no PID given: {' | '.join(out.splitlines())}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dockerfile", required=True)
    parser.add_argument("--exporter", required=True)
    parser.add_argument("--project-version", required=True)
    parser.add_argument("--web-config-dir", required=True, help="tests/testdata/web_config/valid")
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
            f.check(command == ["/usr/bin/patroni_exporter", "healthcheck"],
                    f'HEALTHCHECK CMD ["/usr/bin/patroni_exporter", "healthcheck"] expected (it follows the '
                    f'listen address and TLS of the exporter it runs beside), found {command}')
            if not f.items:
                check_healthcheck(f, args.exporter, args.web_config_dir)
    return f.finish(f"{args.dockerfile}: stages, runtime packages, user, labels, version and health check")


if __name__ == "__main__":
    sys.exit(main())
