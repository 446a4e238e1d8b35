#!/usr/bin/env python3
"""Checks of the monitoring mixin (mixin/) beyond what promtool does on rules/*.yml.

  --mode rendered   rules/*.yml, dashboards/*.json and deploy/kubernetes/prometheusrule.yaml are exactly what
                    `python3 mixin/render.py` writes now (render.py --check), and the PrometheusRule's groups are
                    those of rules/*.yml and pass `promtool check rules`.
  --mode alt        renders the mixin with tests/rules/alt-config.libsonnet (group labels `cluster, namespace`, a
                    job selector) into a temporary directory; `promtool check rules` must accept the rule files
                    and the PrometheusRule's groups; then every tests/rules/*.test.yml runs against those rules,
                    transformed: each input series gets `cluster` = its `job`, and each expected alert carries
                    `cluster` instead of `job` (an alert that keeps its series' labels, i.e. carries `instance`,
                    keeps `job` and gains `cluster`). So the two-environment cases (environments by job or by
                    namespace) become environments by cluster or by namespace, and every other case must pass
                    unchanged in meaning.
Usage: check_mixin.py --root REPO --promtool PATH --mode rendered|alt
"""
import argparse
import glob
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
