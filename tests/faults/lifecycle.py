#!/usr/bin/python3
"""Lifecycle of the real patroni_exporter binary: clean exits on signals, and a start before Patroni is up.

    tests/faults/lifecycle.py --exporter build/patroni_exporter [--slack 1.0]

Cases, each with a fresh exporter and a fake Patroni (fault_server.py):
  - SIGTERM / SIGINT while idle: exit code 0 within 2 s, and the log says "patroni_exporter stopped".
  - SIGTERM / SIGINT while a scrape waits on a stalled /patroni (scrape timeout 30 s, --patroni.timeout 20s):
    exit code 0 within 2 s all the same; the scrape in flight gets its answer (target down) before the exit.
  - Start while Patroni is not up (nothing listens on its port): the exporter starts and reports
    patroni_up 0; once the fake starts listening on that port, patroni_up turns 1 without a restart.
Prints a markdown table (case | what the exporter did | pass); exits 1 on any failure.
"""
import argparse
import os
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "support"))
from pyhelpers import Exporter, free_port, parse_logfmt, value  # noqa: E402
from fault_server import FaultServer, default_bodies  # noqa: E402

EXIT_LIMIT = 2.0  # seconds from the signal to the process gone


def start(binary, url, *extra):
    ex = Exporter(binary, [f"--patroni.url={url}", "--log.level=info", *extra])
    ex.wait_ready()
    return ex


def stopped_line(ex):
    return ex.wait_log(0, lambda f: f.get("msg") == "patroni_exporter stopped", timeout=1.0)


def signal_case(binary, sig, in_flight, slack):
    server = FaultServer()
    server.bodies = default_bodies(server.url())
    ex = start(binary, server.url(), "--patroni.timeout=20s")
    problems = []
    scrape = {}
    try:
        status, samples, _ = ex.scrape(5)
        if value(samples, "patroni_up", target=server.url()) != 1:
            problems.append("not up before the signal")
        if in_flight:
            server.set("/patroni", "stall_before_headers")
            before = len(server.requests)

            def run():
                try:
                    scrape["result"] = ex.scrape(30, timeout=30)
                except OSError as e:
                    scrape["error"] = str(e)

            t = threading.Thread(target=run)
            t.start()
            # Signal only once the exporter is inside the stalled request.
            end = time.monotonic() + 5
            while time.monotonic() < end and not any(p == "/patroni" for _, p in server.requests[before:]):
                time.sleep(0.01)
            time.sleep(0.3)
        rc, seconds = ex.stop(sig, timeout=15)
        if rc != 0:
            problems.append(f"exit code {rc}")
        if seconds > EXIT_LIMIT * slack:
            problems.append(f"took {seconds:.2f} s")
        if not stopped_line(ex):
            problems.append("no 'patroni_exporter stopped' line")
        did = f"exit {rc} in {seconds:.2f} s"
        if in_flight:
            t.join(5)
            if "result" in scrape:
                status, samples, elapsed = scrape["result"]
                up = value(samples, "patroni_up", target=server.url())
                did += f"; the scrape in flight answered HTTP {status} after {elapsed:.2f} s with patroni_up {up}"
                if status != 200 or up != 0:
                    problems.append("in-flight scrape: expected HTTP 200 with patroni_up 0")
            else:
                did += f"; the scrape in flight got no answer ({scrape.get('error', 'still running')})"
                problems.append("in-flight scrape unanswered")
        line = stopped_line(ex)
        if line:
            did += f"; log: stopped after {parse_logfmt(line).get('duration_seconds', '?')} s"
        return did, problems
    finally:
        if ex.alive():
            ex.stop(signal.SIGKILL)
        server.close()


def late_patroni_case(binary, slack):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    ex = start(binary, url, "--patroni.timeout=1s")
    problems = []
    server = None
    try:
        pid = ex.proc.pid
        status, samples, _ = ex.scrape(2)
        up0 = value(samples, "patroni_up", target=url)
        if status != 200 or up0 != 0:
            problems.append(f"before Patroni: HTTP {status}, patroni_up {up0} (expected 200, 0)")
        if not ex.wait_log(0, lambda f: f.get("level") == "warn" and f.get("target") == url):
            problems.append("no warn line for the target that is not up")
        server = FaultServer(port)
        server.bodies = default_bodies(url)
        start_t = time.monotonic()
        up1 = None
        while time.monotonic() - start_t < 5 * slack:
            status, samples, _ = ex.scrape(2)
            up1 = value(samples, "patroni_up", target=url)
            if up1 == 1:
                break
            time.sleep(0.1)
        waited = time.monotonic() - start_t
        if up1 != 1:
            problems.append(f"patroni_up {up1} {waited:.1f} s after Patroni came up")
        if ex.proc.pid != pid or not ex.alive():
            problems.append("the exporter restarted or died")
        if not ex.wait_log(0, lambda f: f.get("msg") == "Patroni target recovered" and f.get("target") == url):
            problems.append("no 'Patroni target recovered' line")
        did = (f"started with nothing on :{port}: HTTP 200, patroni_up {value_fmt(up0)}; fake started: "
               f"patroni_up {value_fmt(up1)} on the next scrape ({waited:.2f} s), same process")
        return did, problems
    finally:
        ex.stop()
        if server:
            server.close()


def value_fmt(v):
    return "absent" if v is None else f"{v:g}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--exporter", required=True)
    p.add_argument("--slack", type=float, default=1.0, help="multiplies the time limits (sanitizer builds)")
    args = p.parse_args()
    rows = []
    cases = [
        ("SIGTERM, idle", lambda: signal_case(args.exporter, signal.SIGTERM, False, args.slack)),
        ("SIGINT, idle", lambda: signal_case(args.exporter, signal.SIGINT, False, args.slack)),
        ("SIGTERM, scrape in flight on a stalled /patroni", lambda: signal_case(args.exporter, signal.SIGTERM, True,
                                                                                args.slack)),
        ("SIGINT, scrape in flight on a stalled /patroni", lambda: signal_case(args.exporter, signal.SIGINT, True,
                                                                               args.slack)),
        ("start before Patroni is up", lambda: late_patroni_case(args.exporter, args.slack)),
    ]
    failures = 0
    for name, fn in cases:
        try:
            did, problems = fn()
        except Exception as e:  # a crash of the driver is a failure of the case, reported as such
            did, problems = f"driver error: {e!r}", ["error"]
        if problems:
            failures += 1
            did += " -- " + "; ".join(problems)
            print(f"FAIL: {name}: {did}", file=sys.stderr)
        rows.append((name, did, "pass" if not problems else "**FAIL**"))
    print("| case | what the exporter did | pass |\n|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
