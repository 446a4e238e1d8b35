#!/usr/bin/env python3
"""Checks of the monitoring mixin (mixin/) beyond what promtool does on rules/*.yml.

  --mode rendered   rules/*.yml, dashboards/*.json and deploy/kubernetes/prometheusrule.yaml are exactly what
                    `python3 mixin/render.py` writes now (render.py --check), and the PrometheusRule's groups are
                    those of rules/*.yml and pass `promtool check rules`; the overview's alerts table, evaluated by
                    promtool over ALERTS series, gives a firing alert of the mixin its rule's runbook_url, leaves
                    a Patroni* alert from elsewhere without one, and drops another environment's and pending ones.
  --mode alt        renders the mixin with tests/rules/alt-config.libsonnet (group labels `cluster, namespace`, a
                    job selector) into a temporary directory; `promtool check rules` must accept the rule files
                    and the PrometheusRule's groups; the dashboards get cluster and namespace variables and every
                    patroni_* query their matchers; then every tests/rules/*.test.yml runs against those rules,
                    transformed: each input series gets `cluster` = its `job`, and each expected alert carries
                    `cluster` instead of `job` (an alert that keeps its series' labels, i.e. carries `instance`,
                    keeps `job` and gains `cluster`). So the two-environment cases (environments by job or by
                    namespace) become environments by cluster or by namespace, and every other case must pass
                    unchanged in meaning.
Usage: check_mixin.py --root REPO --promtool PATH --mode rendered|alt
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    return r.returncode, r.stdout


def check_prometheusrule(path, rule_files, promtool, tmp, fail):
    with open(path) as f:
        pr = yaml.safe_load(f)
    if pr.get("apiVersion") != "monitoring.coreos.com/v1" or pr.get("kind") != "PrometheusRule":
        fail("%s: not a monitoring.coreos.com/v1 PrometheusRule" % path)
        return
    groups = []
    for rf in sorted(rule_files):
        with open(rf) as f:
            groups += yaml.safe_load(f)["groups"]
    if pr["spec"]["groups"] != groups:
        fail("%s: spec.groups differ from the groups of %s" % (path, ", ".join(map(os.path.basename, rule_files))))
    spec = os.path.join(tmp, "prometheusrule-spec.yml")
    with open(spec, "w") as f:
        yaml.safe_dump({"groups": pr["spec"]["groups"]}, f)
    rc, out = run([promtool, "check", "rules", spec])
    if rc != 0:
        fail("promtool check rules on %s's spec:\n%s" % (path, out))


def check_alerts_table(root, promtool, tmp, fail):
    """Evaluates the overview's "Patroni alerts firing" query with promtool (scope demo, every other variable All)."""
    with open(os.path.join(root, "dashboards", "patroni-cluster-overview.json")) as f:
        board = json.load(f)
    panel = [p for p in board["panels"] if p.get("title") == "Patroni alerts firing"][0]
    expr = panel["targets"][0]["expr"].replace("$scope", "demo")
    for var in sorted(board["templating"]["list"], key=lambda v: -len(v["name"])):
        if var["name"] not in ("datasource", "scope", "member"):
            expr = expr.replace("$" + var["name"], ".*")
    runbooks = {}
    for rf in glob.glob(os.path.join(root, "rules", "*.yml")):
        with open(rf) as f:
            for g in yaml.safe_load(f)["groups"]:
                runbooks.update({r["alert"]: r["annotations"]["runbook_url"] for r in g["rules"] if "alert" in r})
    url = runbooks["PatroniClusterUnlocked"]
    test = {
        "rule_files": [], "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [
                {"series": 'ALERTS{alertname="PatroniClusterUnlocked",alertstate="firing",scope="demo",job="patroni",'
                           'severity="critical"}', "values": "1x5"},
                {"series": 'ALERTS{alertname="PatroniReplicationLagHigh",alertstate="pending",scope="demo",'
                           'member="node2",job="patroni",severity="warning",source="patroni"}', "values": "1x5"},
                {"series": 'ALERTS{alertname="PatroniClusterUnlocked",alertstate="firing",scope="other",job="patroni",'
                           'severity="critical"}', "values": "1x5"},
                {"series": 'ALERTS{alertname="PatroniSiteSpecific",alertstate="firing",scope="demo",job="patroni",'
                           'severity="warning"}', "values": "1x5"},
            ],
            "promql_expr_test": [{
                "expr": expr, "eval_time": "2m",
                "exp_samples": [
                    {"labels": '{alertname="PatroniClusterUnlocked",severity="critical",runbook_url="%s"}' % url,
                     "value": 1},
                    {"labels": '{alertname="PatroniSiteSpecific",severity="warning"}', "value": 1},
                ],
            }],
        }],
    }
    path = os.path.join(tmp, "alerts-table.test.yml")
    with open(path, "w") as f:
        yaml.safe_dump(test, f, sort_keys=False)
    rc, out = run([promtool, "test", "rules", path])
    if rc != 0:
        fail("the overview's alerts table query does not give runbook links as expected:\n" + out[-3000:])
    else:
        print("alerts table: a firing alert of the mixin gets its runbook_url (%s)" % url)


def to_alt(doc, rule_dir):
    doc["rule_files"] = [os.path.join(rule_dir, os.path.basename(r)) for r in doc["rule_files"]]
    for test in doc["tests"]:
        for s in test.get("input_series", []):
            m = re.search(r'\bjob="([^"]*)"', s["series"])
            if not m:
                raise ValueError("series without job: %s" % s["series"])
            s["series"] = s["series"].replace("{", '{cluster="%s",' % m.group(1), 1)
        for t in test.get("alert_rule_test", []):
            for a in t.get("exp_alerts") or []:
                labels = a.get("exp_labels", {})
                if "job" in labels:
                    if "instance" in labels:
                        labels["cluster"] = labels["job"]
                    else:
                        labels["cluster"] = labels.pop("job")
        if test.get("promql_expr_test"):
            raise ValueError("promql_expr_test not transformed: extend check_mixin.py")
    return doc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--promtool", required=True)
    ap.add_argument("--mode", choices=["rendered", "alt"], required=True)
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    render = os.path.join(root, "mixin", "render.py")
    errors = []

    def fail(msg):
        errors.append(msg)
        print("FAIL " + msg)

    with tempfile.TemporaryDirectory() as tmp:
        if args.mode == "rendered":
            rc, out = run([sys.executable, render, "--check"])
            print(out, end="")
            if rc != 0:
                fail("the committed files are out of step with mixin/: run `python3 mixin/render.py` and commit")
            check_prometheusrule(os.path.join(root, "deploy", "kubernetes", "prometheusrule.yaml"),
                                 glob.glob(os.path.join(root, "rules", "*.yml")), args.promtool, tmp, fail)
            check_alerts_table(root, args.promtool, tmp, fail)
        else:
            out_dir = os.path.join(tmp, "alt")
            rc, out = run([sys.executable, render, "--out", out_dir,
                           "--config", os.path.join(root, "tests", "rules", "alt-config.libsonnet")])
            if rc != 0:
                fail("render.py with the alternative config failed:\n" + out)
                return 1
            rule_files = sorted(glob.glob(os.path.join(out_dir, "rules", "*.yml")))
            text = "".join(open(f).read() for f in rule_files)
            # The alternative config must show: group labels and selector in place, no `job` grouping left.
            if "by (cluster, namespace, scope" not in text or "by (job" in text or 'patroni_up{job=~"patroni.*"}' not in text:
                fail("the rules rendered with alt-config.libsonnet do not group by cluster, namespace or lack the selector")
            rc, out = run([args.promtool, "check", "rules"] + rule_files)
            if rc != 0:
                fail("promtool check rules (alternative config):\n" + out)
            check_prometheusrule(os.path.join(out_dir, "deploy", "kubernetes", "prometheusrule.yaml"), rule_files,
                                 args.promtool, tmp, fail)
            # Dashboards: a variable per group label, and every patroni_* query narrowed by them and the selector.
            for path in sorted(glob.glob(os.path.join(out_dir, "dashboards", "*.json"))):
                with open(path) as f:
                    board = json.load(f)
                names = [v["name"] for v in board["templating"]["list"]]
                if not {"job", "cluster", "namespace", "instance"} <= set(names):
                    fail("%s (alternative config): variables %s lack job, cluster, namespace or instance"
                         % (os.path.basename(path), names))
                exprs = [t["expr"] for p in board["panels"] for t in p.get("targets", [])]
                want = 'job=~"patroni.*", job=~"$job", cluster=~"$cluster", namespace=~"$namespace", instance=~"$instance"'
                for e in exprs:
                    if "patroni_" in e.replace("patroni_exporter", "") and want not in e:
                        fail("%s (alternative config): a query lacks %s: %s" % (os.path.basename(path), want, e))
            tests = []
            for t in sorted(glob.glob(os.path.join(root, "tests", "rules", "*.test.yml"))):
                with open(t) as f:
                    doc = to_alt(yaml.safe_load(f), os.path.join(out_dir, "rules"))
                dst = os.path.join(tmp, os.path.basename(t))
                with open(dst, "w") as f:
                    yaml.safe_dump(doc, f, sort_keys=False)
                tests.append(dst)
            rc, out = run([args.promtool, "test", "rules"] + tests)
            if rc != 0:
                fail("promtool test rules on the transformed tests (alternative config):\n" + out[-6000:])
            else:
                print("alternative config: %d rule files checked, %d test files pass" % (len(rule_files), len(tests)))
    print("%d problems" % len(errors))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
