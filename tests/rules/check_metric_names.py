#!/usr/bin/env python3
"""Fails when an alert rule, an annotation query or a dashboard query names a metric the exporter does not emit.

Every metric name used in rules/*.yml (`expr`, and the PromQL of `printf ... | query` in annotations) and in
dashboards/*.json (panel targets and template-variable queries) must appear in a golden exposition file
(tests/testdata/**/*.prom, not Patroni's own *.native.prom), so a rename in the exporter cannot silently kill an
alert or blank a panel. A handful of families are made by the collector itself rather than by a translate step
and so have no golden (patroni_up, patroni_cluster_up, patroni_cluster_running_primaries): with --exporter, the
real binary is run against a local fake Patroni serving the fixture JSON of tests/testdata/patroni/, and the
names it really emits count too (with --postgres.dsn-template at a closed port, which adds patroni_pg_up). A few
PostgreSQL families hold a value computed against now() on a live server, so neither a golden nor the fake can
show them: LIVE_ONLY lists them, and each must still be a string literal in collectors/ (so a rename fails here);
the live check (tests/dashboards/live_check.py) sees their data. Names that are not the exporter's are allowed
explicitly: ALERTS (Prometheus), up (Prometheus), and the outputs of the recording rules in rules/.

Usage: check_metric_names.py --root REPO [--exporter build/patroni_exporter]
Exit status 0 when every name is found, 1 otherwise (each missing name is listed with where it is used).
"""
import argparse
import glob
import http.server
import json
import os
import re
import sys
import threading

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "support"))
from pyhelpers import Exporter, free_port  # noqa: E402

PROMETHEUS_NAMES = {"ALERTS", "ALERTS_FOR_STATE", "up"}
# Emitted only by a live PostgreSQL (an age against now(), absent from the captured fixtures).
# patroni_pg_orphaned_primary needs a PostgreSQL that answers and a Patroni view to compare it with.
LIVE_ONLY = {"patroni_pg_wal_receiver_last_message_age_seconds", "patroni_pg_replication_reply_age_seconds",
             "patroni_pg_orphaned_primary"}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
            "offset", "inf", "nan", "atan2", "start", "end"}
LABEL_LIST_KEYWORDS = ("by", "without", "on", "ignoring", "group_left", "group_right")


def strip_strings(expr):
    """Removes PromQL string literals ("...", '...', `...`), which hold label values and regexes."""
    return re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)


def metric_names(expr):
    """Metric names in one PromQL expression (Grafana variables such as $scope or ${datasource} allowed)."""
    expr = strip_strings(expr)
    expr = re.sub(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*", "0", expr)          # Grafana variables
    expr = re.sub(r"\{[^{}]*\}", " ", expr)                                        # label matchers
    expr = re.sub(r"\[[^\[\]]*\]", " ", expr)                                      # ranges and subqueries
    expr = re.sub(r"\b(%s)\s*\([^()]*\)" % "|".join(LABEL_LIST_KEYWORDS), " ", expr)  # label lists
    # Grafana's label_values(metric, label): only the metric is a metric.
    expr = re.sub(r"\blabel_values\s*\(\s*([A-Za-z_:][A-Za-z0-9_:]*)?\s*,\s*[A-Za-z_][A-Za-z0-9_]*\s*\)",
                  r" \1 ", expr)
    expr = re.sub(r"\blabel_values\s*\(\s*[A-Za-z_][A-Za-z0-9_]*\s*\)", " ", expr)
    expr = re.sub(r"\b\d[\d.]*(?:e[+-]?\d+)?[a-z]*", " ", expr, flags=re.I)        # numbers and durations
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", expr):
        word = m.group(0)
        rest = expr[m.end():].lstrip()
        if rest.startswith("("):
            continue                                                            # a function or aggregation
        if word in KEYWORDS:
            continue
        names.add(word)
    return names


def go_string(literal):
    """The value of a Go interpreted string literal (without its quotes)."""
    return bytes(literal, "utf-8").decode("unicode_escape")


def template_queries(text):
    """PromQL of every `printf "..." ... | query` in an alert template, with the verbs filled in."""
    for m in re.finditer(r'printf\s+"((?:[^"\\]|\\.)*)"[^}|]*\|\s*query', text):
        yield go_string(m.group(1)).replace("%q", '"x"').replace("%s", "x").replace("%v", "0")


def rule_uses(root):
    uses, recorded = {}, set()
    for path in sorted(glob.glob(os.path.join(root, "rules", "*.yml"))):
        with open(path) as f:
            doc = yaml.safe_load(f)
        for group in doc.get("groups", []):
            for rule in group.get("rules", []):
                where = "%s: %s" % (os.path.relpath(path, root), rule.get("alert") or rule.get("record"))
                if "record" in rule:
                    recorded.add(rule["record"])
                for name in metric_names(rule["expr"]):
                    uses.setdefault(name, set()).add(where)
                for text in (rule.get("annotations") or {}).values():
                    if re.search(r"\|\s*query\b", text) and not list(template_queries(text)):
                        sys.exit("%s: an annotation calls query without printf \"...\"; extend this checker" % where)
                    for q in template_queries(text):
                        for name in metric_names(q):
                            uses.setdefault(name, set()).add(where + " (annotation)")
    return uses, recorded


def dashboard_uses(root):
    uses = {}

    def walk(node, where):
        if isinstance(node, dict):
            title = node.get("title") or node.get("name") or where
            for key in ("expr", "query", "definition"):
                value = node.get(key)
                if key == "query" and isinstance(value, dict):
                    value = value.get("query")
                if isinstance(value, str) and value and node.get("type") not in ("datasource", "interval",
                                                                                    "custom", "constant",
                                                                                    "textbox"):
                    for name in metric_names(value):
                        uses.setdefault(name, set()).add("%s: %s" % (where.split(":")[0], title))
            for v in node.values():
                walk(v, where if not isinstance(v, (dict, list)) else where.split(":")[0] + ":" + str(title))
        elif isinstance(node, list):
            for v in node:
                walk(v, where)

    for path in sorted(glob.glob(os.path.join(root, "dashboards", "*.json"))):
        with open(path) as f:
            walk(json.load(f), os.path.relpath(path, root))
    return uses


def golden_names(root):
    names = set()
    for path in glob.glob(os.path.join(root, "tests", "testdata", "**", "*.prom"), recursive=True):
        if path.endswith(".native.prom"):
            continue
        with open(path) as f:
            for line in f:
                if line.startswith("# TYPE "):
                    names.add(line.split()[2])
                elif line.strip() and not line.startswith("#"):
                    names.add(re.match(r"[A-Za-z_:][A-Za-z0-9_:]*", line).group(0))
    return names


def exporter_names(root, binary):
    """Families the real binary emits against a fake Patroni (fixture JSON) plus a dead second target."""
    fixtures = os.path.join(root, "tests", "testdata", "patroni")
    routes = {"/patroni": "patroni_baseline-primary_v3.0.2.json", "/cluster": "cluster_baseline_v3.0.2.json",
              "/config": "config_baseline_v3.0.2.json", "/history": "history_switchover-done_v3.0.2.json"}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            name = routes.get(self.path)
            if not name:
                self.send_error(404)
                return
            with open(os.path.join(fixtures, name), "rb") as f:
                body = f.read()
            if self.path == "/cluster":
                # The fixture's node1 is this fake: the exporter names the target node1 and asks its PostgreSQL.
                body = body.replace(b"http://127.0.0.1:8009/patroni",
                                    b"http://127.0.0.1:%d/patroni" % self.server.server_address[1])
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    fake = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    dead = free_port()   # nothing listens there
    dead_pg = free_port()   # nor there: the PostgreSQL collector reports patroni_pg_up 0 for the member
    exporter = Exporter(binary, ["--patroni.url", "http://127.0.0.1:%d" % fake.server_address[1],
                                 "--patroni.url", "http://127.0.0.1:%d" % dead, "--patroni.discovery", "off",
                                 "--patroni.timeout", "2s",
                                 "--postgres.dsn-template", "host=127.0.0.1 port=%d user=patroni_exporter "
                                 "dbname=postgres sslmode=disable connect_timeout=2" % dead_pg,
                                 "--log.level", "error"])
    try:
        exporter.wait_ready(15)
        status, text, _ = exporter.get("/metrics", timeout=15)
        if status != 200:
            raise RuntimeError("GET /metrics answered %d" % status)
    except (OSError, RuntimeError) as e:
        exporter.stop()
        sys.exit("the exporter did not serve /metrics: %s\n%s" % (e, exporter.log_text()))
    finally:
        rc, _ = exporter.stop()
        fake.shutdown()
    # Anything but 0 on SIGTERM is a crash or a sanitizer report (a sanitizer build reports leaks at exit).
    if rc != 0:
        sys.exit("the exporter exited with %d: %s" % (rc, exporter.log_text()))
    return {re.match(r"[A-Za-z_:][A-Za-z0-9_:]*", l).group(0) for l in text.splitlines()
            if l.strip() and not l.startswith("#")}


def source_literals(root):
    """Every "patroni_..." string literal in the collectors' C++ sources."""
    names = set()
    for path in glob.glob(os.path.join(root, "collectors", "**", "*.cc"), recursive=True):
        with open(path) as f:
            names.update(re.findall(r'"(patroni_[a-z0-9_]+)"', f.read()))
    return names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--exporter")
    args = ap.parse_args()
    root = os.path.abspath(args.root)

    uses, recorded = rule_uses(root)
    for name, where in dashboard_uses(root).items():
        uses.setdefault(name, set()).update(where)
    if not uses:
        sys.exit("no metric names found in rules/ or dashboards/: is --root right?")
    golden = golden_names(root)
    if not golden:
        sys.exit("no golden files under tests/testdata")
    emitted = exporter_names(root, args.exporter) if args.exporter else set()

    missing = 0
    for name in sorted(uses):
        if name in golden or name in PROMETHEUS_NAMES or name in recorded:
            continue
        if name in emitted:
            print("ok (no golden; emitted by the real exporter): %s" % name)
            continue
        if name in LIVE_ONLY and name in source_literals(root):
            print("ok (no golden; emitted by collectors/ with a live PostgreSQL, see the live check): %s" % name)
            continue
        missing += 1
        print("MISSING %s, used in:" % name)
        for where in sorted(uses[name]):
            print("    " + where)
    print("%d metric names used in rules/ and dashboards/, %d golden names, %d emitted by the binary, %d missing"
          % (len(uses), len(golden), len(emitted), missing))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
