#!/usr/bin/env python3
"""Static checks of the Debian package's systemd unit and /etc/default file, against the built binary.

  check_systemd.py unit --unit packaging/patroni_exporter.service --exporter build/patroni_exporter
                   [--socket packaging/patroni_exporter.socket]
      the hardening the package promises, flags that exist, ExecReload= sending SIGHUP (which rereads
      --web.config.file), `systemd-analyze verify` (no warning at all) and `systemd-analyze security --offline`
      under a threshold, where systemd-analyze is installed; the socket unit: one IPv4 ListenStream= on the
      exporter's default port, Accept=no, verified together with the service
  check_systemd.py env --unit ... --default packaging/patroni_exporter.default --exporter build/patroni_exporter
      the file parses as systemd reads it, ARGS and the examples use real flags, and the exporter starts with
      the default settings, expanded exactly as ExecStart= would, and answers /-/healthy
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import pkgtest

# directive -> required value ("" = must be present and empty).
REQUIRED = {
    "User": "patroni_exporter",
    "Group": "patroni_exporter",
    "EnvironmentFile": "-/etc/default/patroni_exporter",
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "CapabilityBoundingSet": "",
    "Restart": "on-failure",
}
ADDRESS_FAMILIES = {"AF_INET", "AF_INET6", "AF_UNIX"}
# systemd-analyze security's exposure, times 10 (1.2 today; 2.0 would mean a directive got lost).
EXPOSURE_THRESHOLD = 20


def service_settings(unit_path):
    sections = pkgtest.read_unit(unit_path)
    return sections, {k: v for k, v in sections.get("Service", [])}


def check_unit(args, failures):
    sections, service = service_settings(args.unit)
    for key, value in REQUIRED.items():
        failures.check(service.get(key) == value, f"[Service] {key}={value} expected, found {service.get(key)!r}")
    families = set(service.get("RestrictAddressFamilies", "").split())
    failures.check(families == ADDRESS_FAMILIES,
                   f"RestrictAddressFamilies={' '.join(sorted(ADDRESS_FAMILIES))} expected, found {families}")
    failures.check(service.get("ExecReload") == "/bin/kill -HUP $MAINPID",
                   f"ExecReload=/bin/kill -HUP $MAINPID expected (SIGHUP rereads --web.config.file), found "
                   f"{service.get('ExecReload')!r}")
    if args.socket:
        check_socket(args, failures, known_flags=pkgtest.help_flags(args.exporter))
    wanted_by = dict(sections.get("Install", [])).get("WantedBy")
    failures.check(wanted_by == "multi-user.target", f"[Install] WantedBy=multi-user.target, found {wanted_by!r}")
    exec_words = pkgtest.expand_exec(service.get("ExecStart", ""), {})
    failures.check(exec_words[:1] == ["/usr/bin/patroni_exporter"],
                   f"ExecStart= must run /usr/bin/patroni_exporter, found {exec_words[:1]}")
    failures.check("$ARGS" in service.get("ExecStart", ""), "ExecStart= must pass $ARGS")
    known = pkgtest.help_flags(args.exporter)
    for flag in pkgtest.flags_in(exec_words[1:]):
        failures.check(flag in known, f"ExecStart= uses {flag}, which `patroni_exporter --help` does not list")

    analyze = args.systemd_analyze or shutil.which("systemd-analyze")
    if not analyze:
        print("SKIP (part): systemd-analyze not found (package systemd): verify and security not run")
        return
    with tempfile.TemporaryDirectory(prefix="pe-unit-") as tmp:
        # The same unit, but running the binary of this build (verify checks that ExecStart= is executable).
        copy = os.path.join(tmp, os.path.basename(args.unit))
        text = open(args.unit, encoding="utf-8").read()
        open(copy, "w", encoding="utf-8").write(
            text.replace("ExecStart=/usr/bin/patroni_exporter", f"ExecStart={os.path.abspath(args.exporter)}"))
        units = [copy]
        if args.socket:  # verified beside its service, as installed
            units.append(shutil.copy(args.socket, tmp))
        verify = subprocess.run([analyze, "verify", "--man=no", *units], capture_output=True, text=True, timeout=60)
        output = (verify.stdout + verify.stderr).strip()
        failures.check(verify.returncode == 0 and not output,
                       f"systemd-analyze verify: exit {verify.returncode}, output:\n{output}")
        security = subprocess.run([analyze, "security", "--offline=true", f"--threshold={EXPOSURE_THRESHOLD}",
                                   copy], capture_output=True, text=True, timeout=60)
        summary = [l for l in security.stdout.splitlines() if "Overall exposure" in l]
        print("systemd-analyze security: " + (summary[0].strip() if summary else "(no summary)"))
        failures.check(security.returncode == 0,
                       f"systemd-analyze security: exposure above {EXPOSURE_THRESHOLD / 10}:\n{security.stdout}"
                       f"{security.stderr}")


def check_socket(args, failures, known_flags):
    sections = pkgtest.read_unit(args.socket)
    socket = dict(sections.get("Socket", []))
    listen = [v for k, v in sections.get("Socket", []) if k == "ListenStream"]
    failures.check(len(listen) == 1, f"{args.socket}: one ListenStream= expected, found {listen}")
    # IPv4 only: a bare port is an IPv6 (dual-stack) socket, which Debian 12's CivetWeb cannot serve.
    default_port = (known_flags.get("--web.listen-address") or ":9547").rsplit(":", 1)[1]
    failures.check(listen == [f"0.0.0.0:{default_port}"],
                   f"{args.socket}: ListenStream=0.0.0.0:{default_port} (IPv4, the default port) expected, found {listen}")
    failures.check(socket.get("Accept", "no") == "no", f"{args.socket}: Accept=no expected")
    failures.check("--web.systemd-socket" in known_flags, "the exporter has no --web.systemd-socket")
    failures.check(os.path.splitext(os.path.basename(args.socket))[0] ==
                   os.path.splitext(os.path.basename(args.unit))[0],
                   f"{args.socket} does not activate {args.unit} (names differ)")
    wanted_by = dict(sections.get("Install", [])).get("WantedBy")
    failures.check(wanted_by == "sockets.target", f"{args.socket}: WantedBy=sockets.target, found {wanted_by!r}")


def check_env(args, failures):
    env, problems = pkgtest.read_environment_file(args.default)
    for p in problems:
        failures.fail(p)
    for key in ("ARGS", "POSTGRES_DSN_TEMPLATE"):
        failures.check(key in env, f"{args.default} must set {key} (ExecStart= uses it)")
    known = pkgtest.help_flags(args.exporter)
    examples = pkgtest.commented_assignments(args.default)
    for key, value in [("ARGS", env.get("ARGS", ""))] + [(k, v) for k, v in examples if k == "ARGS"]:
        for flag in pkgtest.flags_in(value.split()):
            failures.check(flag in known, f"{args.default}: {key} uses {flag}, which --help does not list")
            # ExecStart= passes it already: twice is an error (exit 2).
            failures.check(flag != "--postgres.dsn-template",
                           f"{args.default}: --postgres.dsn-template belongs in POSTGRES_DSN_TEMPLATE, not ARGS")
    known_keys = set(env) | {"PGPASSFILE", "PGPASSWORD"}
    for key, _ in examples:
        failures.check(key in known_keys, f"{args.default}: example sets {key}, which nothing reads")
    if failures.items:
        return

    _, service = service_settings(args.unit)
    settings = [("the default file", env)]
    for key, value in examples:
        if key == "POSTGRES_DSN_TEMPLATE":
            settings.append((f"the example {key}={value}", dict(env, **{key: value})))
    for what, environment in settings:
        words = pkgtest.expand_exec(service["ExecStart"], environment)
        argv = [os.path.abspath(args.exporter)] + words[1:]
        try:
            with pkgtest.Exporter(argv, kill_on_exit=True) as exporter:
                print(f"started with {what}: {' '.join(repr(w) for w in words[1:])} -> /-/healthy 200 "
                      f"on port {exporter.port}")
        except RuntimeError as e:
            failures.fail(f"the exporter does not start with {what}: {e}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("check", choices=["unit", "env"])
    parser.add_argument("--unit", required=True)
    parser.add_argument("--default")
    parser.add_argument("--socket")
    parser.add_argument("--exporter", required=True)
    parser.add_argument("--systemd-analyze")
    args = parser.parse_args()
    failures = pkgtest.Failures()
    if args.check == "unit":
        check_unit(args, failures)
        return failures.finish(f"{args.unit}: hardening, flags and systemd-analyze")
    if not args.default:
        parser.error("env needs --default")
    check_env(args, failures)
    return failures.finish(f"{args.default}: parses as systemd reads it, and the exporter starts with it")


if __name__ == "__main__":
    sys.exit(main())
