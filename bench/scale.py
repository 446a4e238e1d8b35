#!/usr/bin/python3
"""Scale: the CPU cost per member and per cluster, and what one core serves at a 15 s scrape interval.

A fake fleet (bench/fake_fleet.py, answering at once) of BENCH_SCALE_CLUSTERS (300) clusters of
BENCH_SCALE_CLUSTER_SIZE (3) members, scraped three ways, each for BENCH_SCALE_ROUNDS (10) rounds:
  config file   one exporter, --config.file listing every cluster (its leader as seed, discovery on): one
                /metrics scrape per round covers the whole fleet
  /probe        one exporter, one /probe?target=<seed> per cluster per round (how Prometheus' multi-target
                scraping and hashmod sharding drive it), 8 at a time
  one cluster   the same members as a single cluster (BENCH_SCALE_CLUSTERS * SIZE members, discovery on)
For each: exporter CPU per round (/proc/PID/stat), per member and per cluster, and how many members and clusters
one core would serve at a 15 s interval if it did nothing else (15 s / CPU per round * fleet size; the scrape
itself must also end within the scrape timeout: wall time per round is printed beside it).
"""
import concurrent.futures
import os
import sys
import tempfile
import urllib.parse

from benchlib import Exporter, Fleet, count_up, med, section

CLUSTERS = int(os.environ.get("BENCH_SCALE_CLUSTERS", "300"))
SIZE = int(os.environ.get("BENCH_SCALE_CLUSTER_SIZE", "3"))
ROUNDS = int(os.environ.get("BENCH_SCALE_ROUNDS", "10"))
INTERVAL = 15.0


def measure(exporter, round_fn, members):
    for _ in range(2):
        round_fn()
    c0 = sum(exporter.cpu())
    walls, bad = [], 0
    for _ in range(ROUNDS):
        wall, up = round_fn()
        walls.append(wall)
        bad += up != members
    cpu = (sum(exporter.cpu()) - c0) / ROUNDS * 1000
    return cpu, med(walls), bad, exporter.status("VmHWM")


def row(label, members, clusters, result):
    cpu, wall, bad, hwm = result
    per_member = cpu / members * 1000
    print(f"{label:<34} {members:>7} {clusters:>8} {wall:>9.0f} {cpu:>9.1f} {per_member:>8.0f} "
          f"{cpu / clusters * 1000:>9.0f} {INTERVAL * 1000 / cpu * members:>10.0f} "
          f"{INTERVAL * 1000 / cpu * clusters:>10.0f} {hwm:>7.1f} {bad:>4}")
    sys.stdout.flush()


def main():
    members = CLUSTERS * SIZE
    section(f"scale: {CLUSTERS} clusters of {SIZE} members ({members} members) answering at once, {ROUNDS} rounds")
    print("CPU per round = exporter CPU to cover the whole fleet once; 'members/core' = members one core covers\n"
          f"every {INTERVAL:.0f} s at that cost (CPU only; also mind the wall time per round and the scrape timeout)")
    print(f"{'how':<34} {'members':>7} {'clusters':>8} {'wall ms':>9} {'CPU ms':>9} {'us/memb':>8} "
          f"{'us/clust':>9} {'memb/core':>10} {'clust/core':>10} {'HWM MB':>7} {'bad':>4}")
    fleet = Fleet(members, 0, SIZE)
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
            f.write("clusters:\n")
            for c, seed in enumerate(fleet.seeds):
                f.write(f"  - name: c{c}\n    seeds: [{seed}]\n    discovery: on\n")
            config = f.name
        try:
            e = Exporter(["--config.file", config])
            try:
                def scrape():
                    ms, body = e.scrape()
                    return ms, count_up(body)[0]
                row("config file, one /metrics", members, CLUSTERS, measure(e, scrape, members))
            finally:
                e.stop()
        finally:
            os.unlink(config)

        e = Exporter(["--patroni.url", fleet.seeds[0], "--probe.allowed-target", r"127\.0\.0\.1:[0-9]+"])
        try:
            pool = concurrent.futures.ThreadPoolExecutor(8)

            def probe(seed):
                ms, body = e.scrape("/probe?target=" + urllib.parse.quote(seed, safe=""))
                return ms, count_up(body)[0]

            def probes():
                results = list(pool.map(probe, fleet.seeds))
                return sum(ms for ms, _ in results), sum(up for _, up in results)
            result = measure(e, probes, members)
            pool.shutdown()
            row("/probe per cluster (8 at a time)", members, CLUSTERS, result)
            print("  (wall ms for /probe: the sum of the probes' durations)")
        finally:
            e.stop()
    finally:
        fleet.stop()

    fleet = Fleet(members, 0)
    try:
        e = Exporter(["--patroni.url", fleet.seed, "--patroni.discovery", "on"])
        try:
            def scrape():
                ms, body = e.scrape()
                return ms, count_up(body)[0]
            row("one cluster of all members", members, 1, measure(e, scrape, members))
        finally:
            e.stop()
    finally:
        fleet.stop()


if __name__ == "__main__":
    main()
