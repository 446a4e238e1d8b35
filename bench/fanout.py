#!/usr/bin/python3
"""Fan-out: one exporter scraping a whole fake fleet (bench/fake_fleet.py) through discovery, side by side with
the bare cost of fetching the same members.

Scenarios (each with its own fleet; the exporter with `--patroni.discovery on` and default collectors):
  slow   BENCH_SLOW_MEMBERS (500) members, each answering GET /patroni 100 ms after the request (/cluster,
         /config and /history of the seed at once): scrape duration, per --patroni.max-parallel-requests value
         (the default, and those in BENCH_PARALLEL)
  fast   BENCH_FAST_MEMBERS (1000) members answering at once: scrape duration and the exporter's CPU time per
         scrape (utime + stime from /proc/PID/stat)
Beside the exporter, in the same run and against the same fleet (build/bench/fetch_bench):
  raw epoll     one GET /patroni of every member, all at once, with a minimal C++ epoll client: the floor the
                fleet and the kernel allow (one fresh TCP connection per member, as Patroni closes each one)
  HttpClient    the same requests through the exporter's own libcurl client (collectors/http_client.h), nothing
                parsed: what fetching costs apart from parse, translate and serialize
With EXPORTER_BASELINE (another build, e.g. before a change) its default-flags rows are measured too.
Every exporter scrape is checked (all members up). Medians and p95 over BENCH_FANOUT_ROUNDS scrapes.
Ends with issue 18's targets 3 and 4, each a ratio to the bare epoll client of the same run (and the baseline's
ratio beside it when EXPORTER_BASELINE is set):
  target 3: the exporter's median scrape of the slow fleet (default flags) / the raw epoll client's median
  target 4: the exporter's CPU per scrape of the fast fleet (default flags) / the raw epoll client's CPU per round
"""
import os
import subprocess
import sys

from benchlib import BENCH_BIN, Exporter, Fleet, count_up, med, pct, raise_nofile, section

BASELINE = os.environ.get("EXPORTER_BASELINE")

ROUNDS = int(os.environ.get("BENCH_FANOUT_ROUNDS", "30"))
SLOW = int(os.environ.get("BENCH_SLOW_MEMBERS", "500"))
FAST = int(os.environ.get("BENCH_FAST_MEMBERS", "1000"))
PARALLEL = [p for p in os.environ.get("BENCH_PARALLEL", "64 1024").split() if p]

HEADER = (f"{'what':<28} {'med ms':>8} {'p95 ms':>8} {'cpu ms':>8} {'user':>7} {'sys':>7} {'fleet':>7} "
          f"{'late':>6} {'RSS MB':>7} {'HWM MB':>7} {'req':>6} {'inflt':>6} {'bad':>4}")


def exporter_run(fleet, members, extra, rounds, binary=None):
    """`members`: how many patroni_up series each scrape must have at 1 (1 with discovery off)."""
    discovery = [] if "--patroni.discovery" in extra else ["--patroni.discovery", "on"]
    exporter = Exporter(["--patroni.url", fleet.seed, "--web.default-scrape-timeout", "30s"] + discovery + extra,
                        binary=binary)
    try:
        for _ in range(3):  # warm-up: first connections, allocator growth
            exporter.scrape()
        fleet.control("/reset")
        f0, c0 = fleet.cpu(), exporter.cpu()
        times, bad = [], 0
        for _ in range(rounds):
            ms, body = exporter.scrape()
            times.append(ms)
            up, total = count_up(body)
            bad += (up != members or total != members)
        c1, f1 = exporter.cpu(), fleet.cpu()
        stats = fleet.control("/stats")
        return {"med": med(times), "p95": pct(times, 95),
                "user": (c1[0] - c0[0]) / rounds * 1000, "sys": (c1[1] - c0[1]) / rounds * 1000,
                "fleet": (sum(f1) - sum(f0)) / rounds * 1000, "late": stats["late_ms"],
                "rss": exporter.rss(), "hwm": exporter.status("VmHWM"),
                "req": stats["total"] / rounds, "inflt": stats["max_concurrent"], "bad": bad}
    finally:
        exporter.stop()


def fetch_run(fleet, mode, rounds):
    """fetch_bench: mode 'raw' (epoll client) or a max-in-flight number (HttpClient::GetAll)."""
    urls = [f"http://127.0.0.1:{port}/patroni" for port in fleet.ports]
    fleet.control("/reset")
    f0 = fleet.cpu()
    out = subprocess.run([os.path.join(BENCH_BIN, "fetch_bench"), str(rounds), mode] + urls, capture_output=True,
                         text=True, preexec_fn=raise_nofile, timeout=600)
    f1 = fleet.cpu()
    stats = fleet.control("/stats")
    fields = out.stdout.split()
    if len(fields) < 7:
        sys.exit(f"fetch_bench failed: {out.stderr.strip()}")
    return {"med": float(fields[3]), "p95": float(fields[4]), "user": float(fields[5]), "sys": float(fields[6]),
            "fleet": (sum(f1) - sum(f0)) / (rounds + (mode != "raw")) * 1000, "late": stats["late_ms"],
            "rss": float("nan"), "hwm": float("nan"), "req": stats["total"] / (rounds + (mode != "raw")),
            "inflt": stats["max_concurrent"], "bad": int(fields[2])}


def row(label, r):
    print(f"{label:<28} {r['med']:>8.1f} {r['p95']:>8.1f} {r['user'] + r['sys']:>8.1f} {r['user']:>7.1f} "
          f"{r['sys']:>7.1f} {r['fleet']:>7.1f} {r['late']:>6.1f} {r['rss']:>7.1f} {r['hwm']:>7.1f} "
          f"{r['req']:>6.0f} {r['inflt']:>6} {r['bad']:>4}")
    sys.stdout.flush()
    return r


def legend():
    print("cpu ms = CPU per scrape or round (user + sys); fleet = the fake fleet's own CPU per round; late = most\n"
          "a delayed answer left the fleet after its due time (fleet too busy); req = upstream requests per\n"
          "round; inflt = most /patroni requests in flight at once at the fleet; bad = rounds with a member down")


def target_lines(slow, fast):
    """The `target N:` lines bench/run.sh's summary collects, then the baseline's ratios from the same run (when
    EXPORTER_BASELINE is set); `slow`, `fast`: (floor, exporter, baseline or None)."""
    cpu = lambda r: r["user"] + r["sys"]
    (floor3, exp3, base3), (floor4, exp4, base4) = slow, fast
    print()
    # The form bench/targets.py judges: the ratio first, its limit with the same unit, then the reference.
    print(f"target 3: exporter 500 members/100 ms median {exp3['med'] / floor3['med']:.2f}x ({exp3['med']:.1f} ms; "
          f"target <= 1.25x); reference: bare epoll client {floor3['med']:.1f} ms")
    print(f"target 4: exporter 1000 members CPU per scrape {cpu(exp4) / cpu(floor4):.2f}x ({cpu(exp4):.1f} ms; "
          f"target <= 2.5x); reference: bare client {cpu(floor4):.1f} ms")
    if base3:
        print(f"baseline target 3: exporter 500 members/100 ms median {base3['med'] / floor3['med']:.2f}x "
              f"({base3['med']:.1f} ms; target <= 1.25x); reference: bare epoll client {floor3['med']:.1f} ms")
        print(f"baseline target 4: exporter 1000 members CPU per scrape {cpu(base4) / cpu(floor4):.2f}x "
              f"({cpu(base4):.1f} ms; target <= 2.5x); reference: bare client {cpu(floor4):.1f} ms")


def main():
    section(f"fan-out: {SLOW} members, GET /patroni answered 100 ms after the request, {ROUNDS} rounds each")
    legend()
    fleet = Fleet(SLOW, 100)
    try:
        print(HEADER)
        floor = row("raw epoll client", fetch_run(fleet, "raw", ROUNDS))
        row(f"HttpClient, {SLOW} in flight", fetch_run(fleet, str(SLOW), ROUNDS))
        default = row("exporter, default flags", exporter_run(fleet, SLOW, [], ROUNDS))
        base = None
        if BASELINE:
            base = row("baseline, default flags", exporter_run(fleet, SLOW, [], ROUNDS, BASELINE))
            row("baseline, --max-parallel 512",
                exporter_run(fleet, SLOW, ["--patroni.max-parallel-requests", "512"], ROUNDS, BASELINE))
        for p in PARALLEL:
            row(f"exporter, --max-parallel {p}",
                exporter_run(fleet, SLOW, ["--patroni.max-parallel-requests", p], ROUNDS))
        print(f"exporter (default flags) / raw floor: {default['med'] / floor['med']:.2f}x at the median "
              f"(+{default['med'] - floor['med']:.1f} ms)")
        slow = (floor, default, base)
    finally:
        fleet.stop()

    section(f"fan-out: {FAST} members answering at once, {ROUNDS} rounds each")
    legend()
    fleet = Fleet(FAST, 0)
    try:
        print(HEADER)
        floor = row("raw epoll client", fetch_run(fleet, "raw", ROUNDS))
        client = row("HttpClient, 64 in flight", fetch_run(fleet, "64", ROUNDS))
        default = row("exporter, default flags", exporter_run(fleet, FAST, [], ROUNDS))
        base = None
        if BASELINE:
            base = row("baseline, default flags", exporter_run(fleet, FAST, [], ROUNDS, BASELINE))
        node = row("exporter, node view only", exporter_run(fleet, FAST, [
            "--no-collector.cluster", "--no-collector.config", "--no-collector.history", "--no-collector.process"],
            ROUNDS))
        # Discovery off: the seed's /patroni, /cluster, /config, /history; every member's role, state, lag and
        # timeline still come from /cluster (only one member's node families): 4 requests instead of 1003.
        row("exporter, discovery off", exporter_run(fleet, 1, ["--patroni.discovery", "off"], ROUNDS))
        cpu = lambda r: r["user"] + r["sys"]
        print(f"exporter CPU per member: {cpu(default) / FAST * 1000:.0f} us (default flags), "
              f"{cpu(node) / FAST * 1000:.0f} us (node view); of which fetching through HttpClient "
              f"{cpu(client) / FAST * 1000:.0f} us, and the kernel floor of a fresh TCP connection "
              f"{cpu(floor) / FAST * 1000:.0f} us")
        fast = (floor, default, base)
    finally:
        fleet.stop()
    target_lines(slow, fast)


if __name__ == "__main__":
    main()
