#!/usr/bin/env python3
"""Live check of rules/ and dashboards/ against the real lab cluster (ctest label: integration).

Starts, all on 127.0.0.1 and on free ports, in a temporary directory:
  - patroni_exporter in both deployment modes at once: one for the whole cluster (every member's URL) and one
    next to each member (only that member's URL), so the rules see every series duplicated as they would when
    both modes (or redundant exporters) are scraped; each with --postgres.dsn-template built from the lab's
    LAB_PGUSER, LAB_PGDATABASE and LAB_PGPASSFILE, so PostgreSQL's own view (patroni_pg_*) is there too;
  - Prometheus (the Debian package's binary) scraping them every second, with rules/*.yml loaded.
After a few scrapes it asserts that
  - every exporter queries the PostgreSQL of every member it polls (patroni_pg_up 1);
  - every rule evaluates without error (no many-to-many matching on real, duplicated series);
  - no critical or warning alert fires or is pending on the healthy cluster (info ones, such as
    PatroniFailoverOccurred for 15 minutes after another test's switchover, are reported only);
  - every template variable query of every dashboard returns values (a group-label variable of the mixin, such as
    `namespace`, may be empty outside Kubernetes: "All" matches series without the label; job, group labels and
    instance are queried as "All"), and every panel query is valid and, for at
    least one member of the scope, returns data (a panel whose description says "May be empty" only needs valid
    queries: e.g. firing alerts, or the last failover of a cluster that never failed over).
Every process it starts is stopped by its PID at the end.

Usage: live_check.py --root REPO --exporter build/patroni_exporter [--prometheus /usr/bin/prometheus]
The lab: $LAB_DIR/lab.env (LAB_DIR defaults to /tmp/patroni-exporter-lab; start it with scripts/lab.sh up).
"""
import argparse
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "support"))
from pyhelpers import free_port  # noqa: E402


def read_lab_env():
    lab_dir = os.environ.get("LAB_DIR", "/tmp/patroni-exporter-lab")
    path = os.path.join(lab_dir, "lab.env")
    if not os.path.exists(path):
        sys.exit("no lab at %s (start one with scripts/lab.sh up, or set LAB_DIR)" % path)
    env = {}
    with open(path) as f:
        for line in f:
            m = re.match(r'^([A-Z0-9_]+)=(.*)$', line.strip())
            if m:
                env[m.group(1)] = shlex.split(m.group(2))[0] if m.group(2) else ""
    return env


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


class Prom:
    def __init__(self, port):
        self.base = "http://127.0.0.1:%d" % port

    def api(self, path, **params):
        url = self.base + path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
        try:
            body = json.loads(get(url, timeout=10))
        except urllib.error.HTTPError as e:
            body = json.loads(e.read().decode())
        return body

    def query(self, expr):
        body = self.api("/api/v1/query", query=expr)
        if body.get("status") != "success":
            return None, body.get("error", "unknown error")
        return body["data"]["result"], None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--exporter", required=True)
    ap.add_argument("--prometheus", default=shutil.which("prometheus") or "/usr/bin/prometheus")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    lab = read_lab_env()
    urls = lab["LAB_PATRONI_URLS"].split()
    scope = lab["LAB_SCOPE"]
    missing = [k for k in ("LAB_PGUSER", "LAB_PGDATABASE", "LAB_PGPASSFILE") if not lab.get(k)]
    if missing:
        sys.exit("lab.env lacks %s: a scripts/lab.sh older than the PostgreSQL collector?" % ", ".join(missing))
    # The password only through the passfile (the exporter refuses password= in the template).
    dsn = ["--postgres.dsn-template", "user=%s dbname=%s sslmode=disable passfile=%s"
           % (lab["LAB_PGUSER"], lab["LAB_PGDATABASE"], lab["LAB_PGPASSFILE"])]
    errors = []

    def fail(msg):
        errors.append(msg)
        print("FAIL " + msg, flush=True)

    tmp = tempfile.mkdtemp(prefix="pe-live-check-")
    procs = []
    try:
        log = open(os.path.join(tmp, "processes.log"), "w")

        def start(cmd):
            p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            procs.append(p)
            return p

        # Exporters: one for the cluster, one next to each member.
        cluster_port = free_port()
        cmd = [args.exporter, "--web.listen-address", "127.0.0.1:%d" % cluster_port, "--log.level", "warn"] + dsn
        for u in urls:
            cmd += ["--patroni.url", u]
        start(cmd)
        sidecar_ports = []
        for u in urls:
            port = free_port()
            sidecar_ports.append(port)
            start([args.exporter, "--web.listen-address", "127.0.0.1:%d" % port, "--patroni.url", u,
                   "--log.level", "warn"] + dsn)

        prom_port = free_port()
        rule_files = sorted(glob.glob(os.path.join(root, "rules", "*.yml")))
        config = {
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
            "rule_files": rule_files,
            "scrape_configs": [
                {"job_name": "patroni-cluster", "static_configs": [{"targets": ["127.0.0.1:%d" % cluster_port]}]},
                {"job_name": "patroni-node",
                 "static_configs": [{"targets": ["127.0.0.1:%d" % p for p in sidecar_ports]}]},
            ],
        }
        config_path = os.path.join(tmp, "prometheus.yml")
        with open(config_path, "w") as f:
            json.dump(config, f)   # JSON is YAML
        start([args.prometheus, "--config.file", config_path, "--storage.tsdb.path", os.path.join(tmp, "data"),
               "--web.listen-address", "127.0.0.1:%d" % prom_port, "--log.level", "warn"])
        prom = Prom(prom_port)

        # Ready, then enough scrapes for rate() and two rule evaluations.
        deadline = time.time() + 60
        while True:
            for p in procs:
                if p.poll() is not None:
                    log.flush()
                    sys.exit("a process exited early (%s); log:\n%s" % (p.args[0], open(log.name).read()))
            try:
                res, _ = prom.query('min(count_over_time(up[1m]))')
                if res and float(res[0]["value"][1]) >= 6:
                    up, _ = prom.query("min(up)")
                    if up and float(up[0]["value"][1]) == 1:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                sys.exit("Prometheus did not get 6 successful scrapes of every exporter within 60 s")
            time.sleep(0.5)
        time.sleep(2)
        print("prometheus on 127.0.0.1:%d scraped 4 exporters (1 for the cluster, %d next to members) 6+ times"
              % (prom_port, len(urls)), flush=True)

        # PostgreSQL's view: every exporter reaches every member's PostgreSQL it polls (the cluster exporter all
        # of them, each one next to a member its own), with a role that may read replication data.
        res, err = prom.query('count by (instance) (patroni_pg_up == 1)')
        got = {r["metric"]["instance"]: int(float(r["value"][1])) for r in res or []}
        want = {"127.0.0.1:%d" % cluster_port: len(urls)}
        want.update({"127.0.0.1:%d" % p: 1 for p in sidecar_ports})
        if err or got != want:
            down, _ = prom.query('patroni_pg_up == 0')
            fail("PostgreSQL answered %s exporters' queries (members per exporter), expected %s; down: %s; %s"
                 % (got, want, [d["metric"] for d in down or []], err or ""))
        else:
            print("PostgreSQL's view: every exporter queries every member it polls (patroni_pg_up 1)", flush=True)

        # Rules: all evaluate fine, nothing fires or is pending.
        groups = prom.api("/api/v1/rules")["data"]["groups"]
        n_rules = 0
        for g in groups:
            for r in g["rules"]:
                n_rules += 1
                if r.get("health") != "ok":
                    fail("rule %s/%s: health %s: %s" % (g["name"], r["name"], r.get("health"), r.get("lastError")))
        if n_rules == 0:
            fail("no rules loaded")
        # A lab that other tests just switched over or crashed may need a moment to settle: wait up to 90 s for
        # no critical or warning alert to be pending or firing. Info alerts (PatroniFailoverOccurred for 15
        # minutes after another test's switchover) are reported, not failures.
        deadline = time.time() + 90
        while True:
            alerts = prom.api("/api/v1/alerts")["data"]["alerts"]
            bad = [a for a in alerts if a["labels"].get("severity") != "info"]
            if not bad or time.time() > deadline:
                break
            time.sleep(2)
        for a in bad:
            fail("alert %s is %s on the healthy cluster: %s" % (a["labels"].get("alertname"), a["state"], a["labels"]))
        for a in alerts:
            if a["labels"].get("severity") == "info":
                print("info alert %s (%s): allowed, e.g. after another test's switchover" % (
                    a["labels"].get("alertname"), a["state"]), flush=True)
        print("%d rules in %d groups evaluate without error; %d critical or warning alerts firing or pending"
              % (n_rules, len(groups), len(bad)), flush=True)

        # Dashboards.
        members = json.loads(get(prom.base + "/api/v1/label/name/values?" + urllib.parse.urlencode(
            {"match[]": 'patroni_node_info{scope="%s"}' % scope})))["data"]
        if sorted(members) != sorted(lab["LAB_MEMBER_NAMES"].split()):
            fail("member variable would list %s, the lab has %s" % (members, lab["LAB_MEMBER_NAMES"]))

        def substitute(expr, member, board=None):
            expr = (expr.replace("${datasource}", "").replace("$__rate_interval", "10s")
                    .replace("$scope", scope).replace("$member", member))
            # The other variables (job, the mixin's group labels, instance) as Grafana's "All": their allValue.
            for var in sorted((board or {}).get("templating", {}).get("list", []), key=lambda v: -len(v["name"])):
                if var["name"] not in ("datasource", "scope", "member"):
                    expr = expr.replace("$" + var["name"], var.get("allValue", ".*"))
            return expr

        panels_total = 0
        for path in sorted(glob.glob(os.path.join(root, "dashboards", "*.json"))):
            board = json.load(open(path))
            name = os.path.basename(path)
            for var in board["templating"]["list"]:
                if var["type"] != "query":
                    continue
                m = re.match(r"label_values\((.*),\s*(\w+)\)$", var["definition"])
                if not m:
                    fail("%s: variable %s: cannot evaluate %r" % (name, var["name"], var["definition"]))
                    continue
                vals = json.loads(get(prom.base + "/api/v1/label/%s/values?" % m.group(2) + urllib.parse.urlencode(
                    {"match[]": substitute(m.group(1), members[0] if members else "", board)})))["data"]
                if not vals and "May be empty" in var.get("description", "") and var.get("includeAll"):
                    print("empty variable (allowed, All matches series without the label): %s: %s"
                          % (name, var["name"]), flush=True)
                elif not vals:
                    fail("%s: variable %s returns no values" % (name, var["name"]))
            for ann in board.get("annotations", {}).get("list", []):
                if ann.get("expr"):
                    _, err = prom.query(substitute(ann["expr"], members[0], board))
                    if err:
                        fail("%s: annotation %r: %s" % (name, ann.get("name"), err))
            stack = list(board["panels"])
            while stack:
                panel = stack.pop(0)
                if panel["type"] == "row":
                    stack[0:0] = panel.get("panels", [])
                    continue
                panels_total += 1
                has_data = False
                for t in panel["targets"]:
                    for member in members:
                        res, err = prom.query(substitute(t["expr"], member, board))
                        if err:
                            fail("%s: panel %r target %s: %s" % (name, panel["title"], t["refId"], err))
                            break
                        if res:
                            has_data = True
                if not has_data and "May be empty" not in panel.get("description", ""):
                    fail("%s: panel %r returns no data for any member of scope %s" % (name, panel["title"], scope))
                elif not has_data:
                    print("empty (allowed): %s: %r" % (name, panel["title"]), flush=True)
        print("%d dashboard panels queried for %d members" % (panels_total, len(members)), flush=True)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        # An exporter exits 0 on SIGTERM; anything else is a crash or a sanitizer report (a sanitizer build
        # reports leaks at exit), which is in the log.
        bad = ["%s exited with %d" % (p.args[0], p.returncode) for p in procs
               if p.args[0] == args.exporter and p.returncode != 0]
        if bad:
            log.flush()
            fail("; ".join(bad) + "; log:\n" + open(log.name).read())
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d problems" % len(errors))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
