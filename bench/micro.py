#!/usr/bin/python3
"""Runs build/bench/micro_bench (Google Benchmark) BENCH_MICRO_REPS (5) times, and, with EXPORTER_BASELINE set,
the micro_bench built beside that binary (in that build's bench directory) alternately with it, so both see the
same machine load; prints the median CPU time of each benchmark, its per-member or per-1000-series figure, and
the ratio to the baseline.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

from benchlib import BENCH_BIN, section

REPS = int(os.environ.get("BENCH_MICRO_REPS", "5"))
MIN_TIME = os.environ.get("BENCH_MICRO_MIN_TIME", "0.3")


def run(binary):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    try:
        check = subprocess.run([binary, f"--benchmark_min_time={MIN_TIME}", "--benchmark_format=console",
                                f"--benchmark_out={out}", "--benchmark_out_format=json"], capture_output=True,
                               text=True, timeout=1200)
        if check.returncode != 0:
            sys.exit(f"{binary} failed: {check.stdout[-500:]} {check.stderr[-500:]}")
        with open(out) as f:
            return json.load(f)["benchmarks"]
    finally:
        os.unlink(out)


def per_unit(b):
    """(label, microseconds) of the benchmark's own counter: per member, or per 1000 series."""
    for key, label in (("member", "per member"), ("per1000", "per 1000 series")):
        if key in b:
            return label, b[key] * 1e6
    return "", None


def main():
    binaries = [os.path.join(BENCH_BIN, "micro_bench")]
    baseline = os.environ.get("EXPORTER_BASELINE")
    if baseline:
        candidate = os.path.join(os.path.dirname(baseline), "bench", "micro_bench")
        if os.access(candidate, os.X_OK):
            binaries.append(candidate)
    results = {b: {} for b in binaries}
    for _ in range(REPS):
        for binary in binaries:
            for bench in run(binary):
                results[binary].setdefault(bench["name"], []).append(bench)
    section(f"pure CPU costs (Google Benchmark, {os.path.basename(binaries[0])}): median CPU time of {REPS} runs"
            + (", alternating with the baseline's" if len(binaries) > 1 else ""))
    print("SerializeText was checked against prometheus::TextSerializer on every fixture and edge value first.")
    header = f"{'benchmark':<22} {'CPU time':>12} {'unit cost':>26}"
    if len(binaries) > 1:
        header += f" {'baseline CPU':>13} {'unit cost':>11} {'new/base':>9}"
    print(header)
    for name, runs in results[binaries[0]].items():
        cpu = statistics.median(r["cpu_time"] for r in runs)
        unit = runs[0]["time_unit"]
        label, _ = per_unit(runs[0])
        cost = statistics.median(per_unit(r)[1] for r in runs) if label else None
        line = f"{name:<22} {cpu:>9.1f} {unit:<2} {(f'{cost:.2f} us {label}' if label else ''):>26}"
        if len(binaries) > 1 and name in results[binaries[1]]:
            base_runs = results[binaries[1]][name]
            base = statistics.median(r["cpu_time"] for r in base_runs)
            base_cost = statistics.median(per_unit(r)[1] for r in base_runs) if label else None
            line += f" {base:>10.1f} {unit:<2} {(f'{base_cost:.2f} us' if label else ''):>11} {cpu / base:>9.2f}"
        print(line)


if __name__ == "__main__":
    main()
