#!/usr/bin/python3
"""Latency of one exporter scrape next to one Patroni node, side by side with the calls it replaces.

Against a running lab (scripts/lab.sh up; LAB_DIR as for lab.sh), starts build/patroni_exporter (EXPORTER) pointed
at the leader only (the sidecar deployment, discovery off), twice:
  node view   --no-collector.cluster --no-collector.config --no-collector.history: GET /patroni only
  node, no process  the same without the process_* families (--no-collector.process): what they cost
  default     default flags: GET /patroni and GET /cluster at once, then GET /config and GET /history at once
and, with EXPORTER_BASELINE set (another build, e.g. before a change), the same two of that binary. Then it
interleaves, round after round, with a fresh TCP connection per request:
  direct      the leader's GET /patroni                          (what the node view must call anyway)
  direct x4   /patroni and /cluster at once, then /config and /history at once, with a lean non-blocking
              client                                              (what the default view must call anyway)
  native      the leader's GET /metrics                          (Patroni's own metrics endpoint)
  each exporter's GET /metrics
and prints medians and p95 in ms, each exporter's overhead (median and p95 of per-round differences) over the
direct calls it replaces, its CPU time per scrape (/proc/PID/stat) and its RSS. BENCH_ROUNDS rounds (1000).
"""
import os
import statistics
import sys

from benchlib import Exporter, get, get_parallel, med, pct, section

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1000"))
LAB_DIR = os.environ.get("LAB_DIR", "/tmp/patroni-exporter-lab")
NODE_VIEW = ["--no-collector.cluster", "--no-collector.config", "--no-collector.history"]


def lab_env():
    env = {}
    with open(os.path.join(LAB_DIR, "lab.env")) as f:
        for line in f:
            if "=" in line and not line.startswith("#"):
                k, v = line.strip().split("=", 1)
                env[k] = v.strip('"')
    return env


def find_leader():
    for url in lab_env()["LAB_PATRONI_URLS"].split():
        host, port = url.split("//")[1].split(":")
        _, _, body = get(host, int(port), "/patroni")
        if b'"role": "master"' in body or b'"role": "primary"' in body:
            return host, int(port)
    sys.exit("no leader found in the lab")


def main():
    leader = find_leader()
    url = f"http://{leader[0]}:{leader[1]}"
    binaries = [("", os.environ.get("EXPORTER"))]
    if os.environ.get("EXPORTER_BASELINE"):
        binaries.append(("baseline ", os.environ["EXPORTER_BASELINE"]))
    exporters = {}
    try:
        for prefix, binary in binaries:
            exporters[prefix + "exporter node view"] = Exporter(["--patroni.url", url] + NODE_VIEW, binary=binary)
            exporters[prefix + "exporter node, no process"] = Exporter(
                ["--patroni.url", url, "--no-collector.process"] + NODE_VIEW, binary=binary)
            exporters[prefix + "exporter default"] = Exporter(["--patroni.url", url], binary=binary)
        for exporter in exporters.values():
            for _ in range(20):  # warm-up; also resolves the member name through /cluster once
                exporter.scrape()
        before = {name: (e.cpu(), e.rss()) for name, e in exporters.items()}
        results = {"direct": [], "direct x4": [], "native": []}
        results.update({name: [] for name in exporters})
        for _ in range(ROUNDS):
            results["direct"].append(get(*leader, "/patroni")[0])
            results["direct x4"].append(get_parallel(*leader, ["/patroni", "/cluster"]) +
                                        get_parallel(*leader, ["/config", "/history"]))
            results["native"].append(get(*leader, "/metrics")[0])
            for name, exporter in exporters.items():
                results[name].append(exporter.scrape()[0])
        after = {name: (e.cpu(), e.rss(), e.status("VmHWM")) for name, e in exporters.items()}
    finally:
        for exporter in exporters.values():
            exporter.stop()

    section(f"next to a node: {ROUNDS} interleaved rounds against the lab leader {url}, fresh TCP connection each")
    print(f"{'what':<28} {'median ms':>10} {'p95 ms':>8} {'overhead med':>13} {'p95':>7} {'CPU/scrape':>11} "
          f"{'RSS MB':>7} {'HWM MB':>7}")
    for name, values in results.items():
        line = f"{name:<28} {med(values):>10.3f} {pct(values, 95):>8.3f}"
        if name in exporters:
            base = results["direct" if "node" in name else "direct x4"]
            overhead = [e - d for e, d in zip(values, base)]
            (u0, s0), rss0 = before[name]
            (u1, s1), rss1, hwm = after[name]
            line += (f" {med(overhead):>+13.3f} {pct(overhead, 95):>+7.3f} {(u1 + s1 - u0 - s0) / ROUNDS * 1000:>9.3f}ms"
                     f" {rss1:>7.1f} {hwm:>7.1f}")
        print(line)
    default = [e - d for e, d in zip(results["exporter default"], results["direct"])]
    print("overhead = exporter minus what it replaces, per round: node views - direct; default - direct x4")
    print(f"exporter node view over direct GET /patroni: median {med([e - d for e, d in zip(results['exporter node view'], results['direct'])]):+.3f} ms "
          f"(target <= 1 ms); Patroni's own /metrics: {med(results['native']):.3f} ms")
    print(f"exporter default over a single direct GET /patroni: median {med(default):+.3f} ms (3 more upstream calls, "
          f"two rounds)")


if __name__ == "__main__":
    main()
