#!/usr/bin/python3
"""Soak and load: the real exporter against a flapping fake fleet, many concurrent scrapers, 10,000+ scrapes.

    bench/soak.py --exporter build/patroni_exporter [--scrapes 12000] [--scrapers 8] [--targets 4]
                  [--scrape-timeout 1.0] [--flap-seconds 1.5] [--rss-tolerance-kib 2048]

Not part of the test run (ctest): run it by hand, record its report in docs/hardening.md.

The fleet: --targets fake Patroni members (tests/faults/fault_server.py), one seed each (--patroni.url per
target, --patroni.discovery off). Every --flap-seconds each target draws its next state: up (40 %), slow (answers
300 ms late, 20 %), refused (not listening, 20 %) or stalled (/patroni never answers, 20 %).
--scrapers threads scrape /metrics back to back with X-Prometheus-Scrape-Timeout-Seconds, until --scrapes in
total. RSS (VmRSS), open file descriptors and threads of the exporter are sampled at start, every 1000 scrapes
and at the end.
Asserts, exit code 1 otherwise:
  - every scrape answered HTTP 200 within its deadline (the header's value);
  - RSS flat: the end within --rss-tolerance-kib of the sample after the first 1000 scrapes (the first
    scrapes grow the allocator's arena to its working size: that sample is the baseline, the start is shown);
  - open file descriptors and threads at rest (before the first scrape, after the last) equal (+- 2).
Prints the samples, the latency percentiles (all scrapes, and scrapes started while a target was stalled)
and a one-line verdict.
"""
import argparse
import os
import random
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "faults"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "support"))
from pyhelpers import Exporter, value  # noqa: E402
from fault_server import FaultServer, default_bodies, dumps, load_fixture  # noqa: E402

STATES = [("up", 0.4), ("slow", 0.2), ("refused", 0.2), ("stalled", 0.2)]


class Target:
    def __init__(self, index):
        self.server = FaultServer(stall_seconds=600)
        self.url = self.server.url()
        doc = load_fixture("patroni_primary_v4.1.0.json" if index == 0 else "patroni_replica_v4.1.0.json")
        doc["patroni"]["name"] = f"member{index}"
        doc["patroni"]["scope"] = f"cluster{index}"
        bodies = default_bodies(self.url, doc, member_name=f"member{index}")
        self.server.bodies = bodies
        self.state = "up"
        self.changes = 0

    def set_state(self, state):
        if state == self.state:
            return
        if self.state == "refused":
            self.server.start_listening()
        self.server.clear()
        if state == "refused":
            self.server.stop_listening()
        elif state == "stalled":
            self.server.set("/patroni", "stall_before_headers")
        elif state == "slow":
            self.server.set("/patroni", "slow_ok")
        self.state = state
        self.changes += 1


def percentile(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--exporter", required=True)
    p.add_argument("--scrapes", type=int, default=12000)
    p.add_argument("--scrapers", type=int, default=8)
    p.add_argument("--targets", type=int, default=4)
    p.add_argument("--scrape-timeout", type=float, default=1.0)
    p.add_argument("--flap-seconds", type=float, default=1.5)
    p.add_argument("--rss-tolerance-kib", type=int, default=2048)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    rng = random.Random(args.seed)

    targets = [Target(i) for i in range(args.targets)]
    flags = [f"--patroni.url={t.url}" for t in targets]
    ex = Exporter(args.exporter, flags + ["--patroni.discovery=off", "--patroni.timeout=5s", "--log.level=warn"])
    ex.wait_ready()

    lock = threading.Lock()
    done = threading.Event()
    results = []  # (latency seconds, status, stalled at start, up samples)
    samples = []  # (scrapes, seconds, rss KiB, fds, threads)
    count = [0]
    start = time.monotonic()

    def sample(n):
        samples.append((n, time.monotonic() - start, ex.rss_kib(), ex.fds(), ex.threads()))

    sample(0)

    def flapper():
        while not done.wait(args.flap_seconds):
            with lock:
                for t in targets:
                    r, acc = rng.random(), 0.0
                    for state, weight in STATES:
                        acc += weight
                        if r < acc:
                            t.set_state(state)
                            break

    def scraper():
        while not done.is_set():
            with lock:
                stalled = any(t.state == "stalled" for t in targets)
            try:
                status, _, elapsed = ex.get("/metrics", args.scrape_timeout, timeout=args.scrape_timeout + 10)
            except OSError:
                status, elapsed = 0, float("inf")
            with lock:
                if count[0] >= args.scrapes:
                    done.set()
                    return
                results.append((elapsed, status, stalled))
                count[0] += 1
                n = count[0]
            if n % 1000 == 0:
                sample(n)
            if not ex.alive():
                done.set()

    threads = [threading.Thread(target=flapper, daemon=True)]
    threads += [threading.Thread(target=scraper) for _ in range(args.scrapers)]
    for t in threads:
        t.start()
    for t in threads[1:]:
        t.join()
    done.set()
    duration = time.monotonic() - start
    # Everything back up, then a last quiet sample: no request of ours in flight.
    with lock:
        for t in targets:
            t.set_state("up")
    time.sleep(args.scrape_timeout + 0.5)
    ex.get("/metrics", args.scrape_timeout)
    sample(count[0])
    alive = ex.alive()
    rc, stop_s = ex.stop()
    for t in targets:
        t.server.close()

    total = len(results)
    bad_status = sum(1 for _, s, _ in results if s != 200)
    late = sum(1 for e, _, _ in results if e > args.scrape_timeout)
    all_lat = [e for e, _, _ in results]
    stalled_lat = [e for e, _, st in results if st]
    base = samples[1] if len(samples) > 2 else samples[0]
    end = samples[-1]
    rss_ok = end[2] <= base[2] + args.rss_tolerance_kib
    # Descriptors and threads are compared at rest: before the first scrape and after the last one (the samples
    # in between count the requests and connections in flight at that moment).
    rest = samples[0]
    fds_ok = abs(end[3] - rest[3]) <= 2
    threads_ok = abs(end[4] - rest[4]) <= 2
    ok = alive and rc == 0 and bad_status == 0 and late == 0 and rss_ok and fds_ok and threads_ok

    print(f"soak: {total} scrapes by {args.scrapers} concurrent scrapers in {duration:.0f} s "
          f"({total / duration:.0f}/s), {args.targets} flapping targets "
          f"({sum(t.changes for t in targets)} state changes, every {args.flap_seconds} s), "
          f"scrape timeout {args.scrape_timeout} s")
    print("| scrapes | seconds | RSS KiB | open fds | threads |\n|---|---|---|---|---|")
    for n, s, rss, fds, thr in samples:
        print(f"| {n} | {s:.0f} | {rss} | {fds} | {thr} |")
    print(f"latency all ({total}): p50 {percentile(all_lat, .5) * 1000:.0f} ms, "
          f"p99 {percentile(all_lat, .99) * 1000:.0f} ms, max {max(all_lat) * 1000:.0f} ms")
    if stalled_lat:
        print(f"latency while a target was stalled ({len(stalled_lat)}): p50 {percentile(stalled_lat, .5) * 1000:.0f} "
              f"ms, p99 {percentile(stalled_lat, .99) * 1000:.0f} ms, max {max(stalled_lat) * 1000:.0f} ms "
              f"(deadline {args.scrape_timeout * 1000:.0f} ms)")
    print(f"non-200 answers: {bad_status}; over the deadline: {late}; RSS {base[2]} -> {end[2]} KiB "
          f"(tolerance {args.rss_tolerance_kib} KiB): {'flat' if rss_ok else 'GREW'}; at rest: fds {rest[3]} -> {end[3]}, "
          f"threads {rest[4]} -> {end[4]}; exit {rc} in {stop_s:.2f} s after SIGTERM")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
