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

Then what each costs the leader's Patroni process (the one listening on its REST port; PostgreSQL's backends not
counted): blocks of BENCH_CPU_BLOCK requests or scrapes of one kind, back to back, BENCH_CPU_REPEATS times
interleaved, Patroni's CPU time (/proc/PID/stat, 10 ms ticks) over each block less its idle rate (measured
between blocks: its HA loop) times the block's length, per request. Kinds: direct GET /patroni, /cluster,
/config, /history and /metrics, and each exporter default (this build with its default
--patroni.config-refresh-interval, and with 0s: every scrape asks all four, as before the cache). Printed with
the ratio of each to one direct GET /patroni.

Last, issue 18's targets 1 and 2 as "target N: ..." lines (bench/run.sh repeats them in its summary): Patroni's CPU
per default scrape over one GET /patroni (<= 1.3x), default latency over Patroni's own /metrics (<= 1.3x), node view
latency over /metrics (<= 1.15x), and the node view's CPU per scrape over Patroni's own CPU per /metrics (<= 0.3x).
"""
import os
import statistics
import sys
import time

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


def listener_pid(port):
    """PID of the process listening on 127.0.0.1/0.0.0.0 `port` (the leader's Patroni), from /proc."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in list(f)[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(pid)
        except OSError:
            continue
    sys.exit(f"no process listens on port {port}")


def ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def patroni_cpu(leader, kinds):
    """Milliseconds of Patroni CPU per request of each kind (median over blocks), idle rate subtracted."""
    pid = listener_pid(leader[1])
    block = int(os.environ.get("BENCH_CPU_BLOCK", "300"))
    repeats = int(os.environ.get("BENCH_CPU_REPEATS", "5"))
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    per = {name: [] for name in kinds}
    idle_rates = []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), ticks(pid)
        time.sleep(2)
        idle_rates.append((ticks(pid) - c0) * tick_ms / (time.perf_counter() - t0))
        idle = statistics.median(idle_rates)
        for name, call in kinds.items():
            t0, c0 = time.perf_counter(), ticks(pid)
            for _ in range(block):
                call()
            elapsed = time.perf_counter() - t0
            per[name].append(((ticks(pid) - c0) * tick_ms - idle * elapsed) / block)
    return pid, statistics.median(idle_rates), {name: med(values) for name, values in per.items()}


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
        exporters["exporter default, refresh 0s"] = Exporter(
            ["--patroni.url", url, "--patroni.config-refresh-interval=0s"])
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
        kinds = {f"direct GET {path}": (lambda path=path: get(*leader, path))
                 for path in ("/patroni", "/cluster", "/config", "/history", "/metrics")}
        kinds.update({name: e.scrape for name, e in exporters.items() if "default" in name})
        patroni_pid, idle_rate, patroni = patroni_cpu(leader, kinds)
    finally:
        for exporter in exporters.values():
            exporter.stop()

    section(f"next to a node: {ROUNDS} interleaved rounds against the lab leader {url}, fresh TCP connection each")
    print(f"{'what':<28} {'median ms':>10} {'p95 ms':>8} {'overhead med':>13} {'p95':>7} {'CPU/scrape':>11} "
          f"{'RSS MB':>7} {'HWM MB':>7}")
    for name, values in results.items():
        line = f"{name:<28} {med(values):>10.3f} {pct(values, 95):>8.3f}"
        if name in exporters:
            base = results["direct" if "node" in name and "default" not in name else "direct x4"]
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
    native = med(results["native"])
    for name in exporters:
        if "default" in name:
            print(f"{name} latency over Patroni's own /metrics: {med(results[name]) / native:.2f}x (target <= 1.3x)")

    section(f"Patroni's CPU (PID {patroni_pid}, idle {idle_rate:.2f} ms/s subtracted) per request or scrape, "
            f"median of blocks")
    reference = patroni["direct GET /patroni"]
    print(f"{'what':<36} {'ms CPU':>8} {'x GET /patroni':>15}")
    for name, value in patroni.items():
        print(f"{name:<36} {value:>8.3f} {value / reference:>14.2f}x")
    print("target: each exporter default within 1.3x of one GET /patroni (Patroni's CPU; PostgreSQL not counted)")

    # The issue-18 lines bench/run.sh collects into its summary: "target N: ... <value><unit> (... target <=
    # <limit><unit>)", one criterion per line, each ratio beside the reference it divides by (same run).
    def ratio(value, reference):
        return value / reference if reference > 0 else float("inf")

    def exporter_cpu(name):
        (u0, s0), _ = before[name]
        (u1, s1), _, _ = after[name]
        return (u1 + s1 - u0 - s0) / ROUNDS * 1000

    # With EXPORTER_BASELINE, the same lines for the baseline binary, each starting "baseline " (same references).
    print()
    own = patroni["direct GET /metrics"]
    for prefix, _ in binaries:
        default, node = prefix + "exporter default", prefix + "exporter node view"
        default_ms, node_ms = med(results[default]), med(results[node])
        print(f"{prefix}target 1: Patroni CPU per default scrape {ratio(patroni[default], reference):.2f}x "
              f"({patroni[default]:.3f} ms; target <= 1.3x); reference: one direct GET /patroni {reference:.3f} ms")
        print(f"{prefix}target 1: exporter default latency {ratio(default_ms, native):.2f}x ({default_ms:.3f} ms; "
              f"target <= 1.3x); reference: Patroni's own /metrics {native:.3f} ms")
        print(f"{prefix}target 2: exporter node view latency {ratio(node_ms, native):.2f}x ({node_ms:.3f} ms; "
              f"target <= 1.15x); reference: Patroni's own /metrics {native:.3f} ms")
        print(f"{prefix}target 2: exporter node view CPU per scrape {ratio(exporter_cpu(node), own):.2f}x "
              f"({exporter_cpu(node):.3f} ms; target <= 0.3x); reference: Patroni's own CPU per /metrics "
              f"{own:.3f} ms")



if __name__ == "__main__":
    main()
