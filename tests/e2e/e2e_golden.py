#!/usr/bin/python3
"""End-to-end golden of the binary: the real patroni_exporter against three fake Patroni members serving real
captures, its /metrics compared byte for byte with tests/testdata/e2e/<case>.prom.

The fake members are tests/faults/fault_server.py servers on free 127.0.0.1 ports, each answering /patroni,
/cluster, /config and /history with the fixtures of one moment of the 3.0.2 lab (tests/testdata/patroni/README.md):
node1 patroni_baseline-primary_v3.0.2.json, node2 patroni_baseline-replica_v3.0.2.json, and node3 the same
replica body (the lab's node3 capture of that moment is not in the tree; 3.0.2 sends no member name, so the
exporter names it node3 from /cluster, and in the baseline both replicas had replayed the same location);
/cluster is cluster_baseline_v3.0.2.json with each api_url rewritten to the fake member's port (never the
captured addresses), /config config_baseline_v3.0.2.json, /history history_baseline_v3.0.2.json. The exporter
gets node1 as its one seed with discovery on, so one scrape runs every round of the patroni collector; a second
scrape, which asks the members it remembers from the first, must print the same.

What varies from run to run is taken out before comparing, and only that:
- the process_* families (the exporter's own process: CPU, memory, file descriptors, start time);
- patroni_exporter_collector_duration_seconds (a duration; its collector label set is kept, the value is
  written as 0);
- the revision label of patroni_exporter_build_info (the commit built), written as "REVISION";
- the fake members' ports, written as NODE1_PORT, NODE2_PORT, NODE3_PORT.
Nothing else in the output depends on the clock: the fixtures' timestamps are absolute (dcs_last_seen,
postmaster_start_time) and no family of this input is an age computed against now.

UPDATE_GOLDEN=1 rewrites the golden (review the diff); tests/check-goldens.sh lints it with promtool like every
golden. Exit status 0 when every case matches.
"""
import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TESTS, "support"))
sys.path.insert(0, os.path.join(TESTS, "faults"))
from pyhelpers import Exporter, compare_with_golden  # noqa: E402
from fault_server import FaultServer, dumps, load_fixture  # noqa: E402

GOLDEN_DIR = os.path.join(TESTS, "testdata", "e2e")
SCRAPE_TIMEOUT = 10  # seconds; every fake member answers at once, so this bounds only a broken run

# Member name -> its /patroni fixture (see the docstring for node3).
BASELINE_V302 = {
    "node1": "patroni_baseline-primary_v3.0.2.json",
    "node2": "patroni_baseline-replica_v3.0.2.json",
    "node3": "patroni_baseline-replica_v3.0.2.json",
}


def start_cluster(patroni_fixtures, cluster_fixture, config_fixture, history_fixture):
    """One FaultServer per member, all serving the same /cluster (api_urls rewritten), /config and /history."""
    servers = {name: FaultServer() for name in patroni_fixtures}
    cluster = load_fixture(cluster_fixture)
    listed = {m["name"] for m in cluster["members"]}
    if listed != set(servers):
        raise SystemExit(f"{cluster_fixture} lists {sorted(listed)}, not {sorted(servers)}")
    for member in cluster["members"]:
        member["api_url"] = servers[member["name"]].url() + "/patroni"  # loopback, never the captured address
    shared = {"/cluster": dumps(cluster), "/config": dumps(load_fixture(config_fixture)),
              "/history": dumps(load_fixture(history_fixture))}
    for name, server in servers.items():
        server.bodies = dict(shared, **{"/patroni": dumps(load_fixture(patroni_fixtures[name]))})
    return servers


def normalise(text, servers):
    """The exposition without what varies between runs (the docstring lists it)."""
    out = []
    for line in text.splitlines(keepends=True):
        if re.match(r"(# (HELP|TYPE) )?process_", line):
            continue
        if line.startswith("patroni_exporter_collector_duration_seconds{"):
            line = line[: line.rindex(" ")] + " 0\n"
        if line.startswith("patroni_exporter_build_info{"):
            line = re.sub(r'revision="[^"]*"', 'revision="REVISION"', line)
        out.append(line)
    text = "".join(out)
    for index, server in enumerate(servers.values(), start=1):
        text = text.replace(f"127.0.0.1:{server.port}", f"127.0.0.1:NODE{index}_PORT")
    return text


def run_case(exporter_binary, name, servers, seed):
    """Failure messages of one case (empty when it matches its golden)."""
    exporter = Exporter(exporter_binary, [f"--patroni.url={servers[seed].url()}", "--patroni.discovery=on"])
    answers = []  # the first scrape discovers node2 and node3 through /cluster; the second asks the remembered ones
    try:
        exporter.wait_ready()
        for _ in range(2):
            answers.append(exporter.get("/metrics", scrape_timeout=SCRAPE_TIMEOUT, timeout=SCRAPE_TIMEOUT + 5)[:2])
    finally:
        rc, _ = exporter.stop()
    failures = [f"{name}: GET /metrics answered {status}" for status, _ in answers if status != 200]
    body = answers[0][1]
    if not failures and normalise(answers[1][1], servers) != normalise(body, servers):
        failures.append(f"{name}: the second scrape differs from the first")
    # Anything but 0 on SIGTERM is a crash or a sanitizer report.
    if rc != 0:
        failures.append(f"{name}: the exporter exited with {rc}:\n{exporter.log_text()}")
    if not failures:
        problem = compare_with_golden(normalise(body, servers), os.path.join(GOLDEN_DIR, name + ".prom"))
        if problem:
            failures.append(f"{name}: {problem}")
    for method, path in sorted({r for s in servers.values() for r in s.requests}):
        if method != "GET":
            failures.append(f"{name}: the exporter sent {method} {path}")
    return failures


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--exporter", required=True, help="the patroni_exporter binary")
    args = p.parse_args()
    servers = start_cluster(BASELINE_V302, "cluster_baseline_v3.0.2.json", "config_baseline_v3.0.2.json",
                            "history_baseline_v3.0.2.json")
    try:
        failures = run_case(args.exporter, "baseline_v3.0.2", servers, seed="node1")
    finally:
        for server in servers.values():
            server.close()
    for failure in failures:
        print("FAIL " + failure)
    print(json.dumps({"cases": 1, "failures": len(failures)}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
