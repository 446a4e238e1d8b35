#!/usr/bin/python3
"""Protecting Patroni: BENCH_CONCURRENT (50) scrapes at once against one exporter, counted at the fake fleet.

The exporter (discovery on, default flags) watches BENCH_COALESCE_MEMBERS (50) fake members answering GET
/patroni in 100 ms, so scrapes overlap. All scrapes are sent at once (one thread each); when every one has its
answer (each checked: every member up), the fleet's counters say how many requests each member got. A scrape
round asks the seed's /cluster exactly once, so the seed's /cluster count is the number of rounds the exporter
made. Without sharing, every scrape would cost every member one GET /patroni.
Repeated BENCH_COALESCE_REPEATS (5) times; prints each repeat and the totals.
"""
import os
import sys
import threading
import time

from benchlib import Exporter, Fleet, count_up, section

CONCURRENT = int(os.environ.get("BENCH_CONCURRENT", "50"))
MEMBERS = int(os.environ.get("BENCH_COALESCE_MEMBERS", "50"))
REPEATS = int(os.environ.get("BENCH_COALESCE_REPEATS", "5"))


def burst(exporter):
    results = [None] * CONCURRENT
    start = threading.Barrier(CONCURRENT)

    def one(i):
        start.wait()
        try:
            ms, body = exporter.scrape()
            results[i] = (ms, count_up(body))
        except Exception as e:  # reported below as a failed scrape
            results[i] = (None, repr(e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(CONCURRENT)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results, (time.perf_counter() - t0) * 1000


def main():
    section(f"protecting Patroni: {CONCURRENT} concurrent scrapes, {MEMBERS} members answering in 100 ms")
    fleet = Fleet(MEMBERS, 100)
    try:
        exporter = Exporter(["--patroni.url", fleet.seed, "--patroni.discovery", "on"])
        try:
            exporter.scrape()  # warm-up
            print(f"{'repeat':>6} {'scrapes ok':>10} {'wall ms':>8} {'rounds':>7} {'/patroni per member':>20} "
                  f"{'per member per round':>21} {'upstream req per scrape':>24}")
            totals = [0, 0, 0, 0]
            for r in range(REPEATS):
                fleet.control("/reset")
                results, wall = burst(exporter)
                stats = fleet.control("/stats")
                ok = sum(1 for ms, up in results if ms is not None and up == (MEMBERS, MEMBERS))
                rounds = stats["requests"].get("0", {}).get("/cluster", 0)
                per_member = [stats["requests"].get(str(i), {}).get("/patroni", 0) for i in range(MEMBERS)]
                print(f"{r + 1:>6} {ok:>10} {wall:>8.0f} {rounds:>7} {min(per_member):>9}..{max(per_member):<9} "
                      f"{max(per_member) / max(rounds, 1):>21.2f} {stats['total'] / CONCURRENT:>24.2f}")
                sys.stdout.flush()
                totals = [totals[0] + ok, totals[1] + rounds, totals[2] + stats["total"], max(totals[3], max(per_member) / max(rounds, 1))]
            scrapes = REPEATS * CONCURRENT
            print(f"total: {totals[0]}/{scrapes} scrapes answered with every member up, {totals[1]} upstream rounds; "
                  f"at most {totals[3]:.2f} GET /patroni per member per round; {totals[2] / scrapes:.2f} upstream "
                  f"requests per scrape, against {MEMBERS + 3} if each scrape made its own round "
                  f"({(MEMBERS + 3) * scrapes / max(totals[2], 1):.1f}x fewer)")
        finally:
            exporter.stop()
    finally:
        fleet.stop()


if __name__ == "__main__":
    main()
