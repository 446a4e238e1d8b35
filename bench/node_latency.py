#!/usr/bin/python3
"""Latency of one exporter scrape next to one Patroni node, side by side with the calls it replaces.

Against a running lab (scripts/lab.sh up; LAB_DIR as for lab.sh), starts build/patroni_exporter pointed at the
leader only, then interleaves, round after round, a fresh-connection GET of:
  direct    the leader's GET /patroni            (what the exporter must call anyway)
  native    the leader's GET /metrics            (Patroni's own metrics endpoint)
  exporter  the exporter's GET /metrics
and prints medians and p95 in ms, the exporter's overhead over `direct` (median of per-round differences), its
CPU time per scrape and its RSS before and after. Run with bench/run.sh, which starts and stops the lab.
"""
import http.client
import os
import socket
import statistics
import subprocess
import sys
import time

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "500"))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB_DIR = os.environ.get("LAB_DIR", "/tmp/patroni-exporter-lab")


def lab_env():
    env = {}
    with open(os.path.join(LAB_DIR, "lab.env")) as f:
        for line in f:
            if "=" in line and not line.startswith("#"):
                k, v = line.strip().split("=", 1)
                env[k] = v.strip('"')
    return env


def get(host, port, path):
    start = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", path)
    body = conn.getresponse().read()
    conn.close()
    return (time.perf_counter() - start) * 1000, body


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def proc_stats(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024
    return cpu, rss


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    env = lab_env()
    urls = env["LAB_PATRONI_URLS"].split()
    leader = None
    for url in urls:
        host, port = url.split("//")[1].split(":")
        _, body = get(host, int(port), "/patroni")
        if b'"role": "master"' in body or b'"role": "primary"' in body:
            leader = (host, int(port))
    if leader is None:
        sys.exit("no leader found in the lab")
    eport = free_port()
    exporter = subprocess.Popen([os.path.join(ROOT, "build", "patroni_exporter"), "--web.listen-address",
                                 f"127.0.0.1:{eport}", "--patroni.url", f"http://{leader[0]}:{leader[1]}",
                                 "--log.level", "error"])
    try:
        for _ in range(100):
            try:
                get("127.0.0.1", eport, "/-/healthy")
                break
            except OSError:
                time.sleep(0.05)
        for _ in range(20):  # warm-up, also resolves the member name through /cluster once
            get("127.0.0.1", eport, "/metrics")
        cpu0, rss0 = proc_stats(exporter.pid)
        results = {"direct": [], "native": [], "exporter": []}
        for _ in range(ROUNDS):
            results["direct"].append(get(*leader, "/patroni")[0])
            results["native"].append(get(*leader, "/metrics")[0])
            results["exporter"].append(get("127.0.0.1", eport, "/metrics")[0])
        cpu1, rss1 = proc_stats(exporter.pid)
    finally:
        exporter.terminate()
        exporter.wait()
    overhead = [e - d for e, d in zip(results["exporter"], results["direct"])]
    print(f"node latency, {ROUNDS} interleaved rounds, fresh TCP connection per request, against the lab leader")
    print(f"{'what':<10} {'median ms':>10} {'p95 ms':>8}")
    for name, values in results.items():
        print(f"{name:<10} {statistics.median(values):>10.3f} {pct(values, 95):>8.3f}")
    print(f"exporter overhead over direct GET /patroni: median {statistics.median(overhead):.3f} ms, "
          f"p95 {pct(overhead, 95):.3f} ms")
    print(f"exporter CPU per scrape: {(cpu1 - cpu0) / ROUNDS * 1000:.3f} ms; "
          f"RSS {rss0:.1f} MB after warm-up, {rss1:.1f} MB after {ROUNDS} more scrapes")


if __name__ == "__main__":
    main()
