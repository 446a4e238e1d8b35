#!/usr/bin/env python3
"""Conventions of rules/*.yml that promtool does not check, and proof that the promtool tests bite.

For every alerting rule:
  - `for:` is set; `severity` is critical, warning or info; `summary`, `description` and `runbook_url` are set;
    the description names the scope ($labels.scope);
  - runbook_url is the runbook base URL of rules/README.md + "#" + the alert name in lower case, and
    docs/runbooks.md has a "## <AlertName>" section (GitHub's anchor for it is that lower-case name);
  - rules/README.md's threshold table has a row for the alert;
  - tests/rules/*.test.yml has a case where it fires, a case where it must not, and a planned switchover case
    (a test whose name contains "switchover"); and
  - mutations: with its expression replaced by one that never fires, the alert's own promtool test cases (those
    asserting on its name) fail (so a firing case really exercises it); with its `for:` set to 0s, they fail too
    (so a case checks it does not fire early). Running only those cases per mutant keeps the check at about 25 s
    on 2 cores instead of 110 s.

Usage: check_rules.py --root REPO --promtool PATH
"""
import argparse
import concurrent.futures
import copy
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

SEVERITIES = {"critical", "warning", "info"}


def fail(errors, msg):
    errors.append(msg)
    print("FAIL " + msg)


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def runbook_base(root):
    with open(os.path.join(root, "rules", "README.md")) as f:
        m = re.search(r"^Runbook base URL: `([^`]+)`", f.read(), re.M)
    if not m:
        sys.exit("rules/README.md has no line 'Runbook base URL: `...`'")
    return m.group(1)


def promtool_passes(promtool, test_files, rule_dir, alertname=None):
    """Runs promtool test rules on copies of test_files whose rule_files point into rule_dir. With alertname,
    only the test cases that assert on that alert are kept: a mutant of an alert must be killed by the alert's own
    cases, and running just those makes the mutation check several times faster. No case left counts as a pass
    (nothing bites)."""
    with tempfile.TemporaryDirectory() as tmp:
        copies = []
        for t in test_files:
            doc = load(t)
            if alertname is not None:
                doc["tests"] = [c for c in doc["tests"]
                                if any(a["alertname"] == alertname for a in c.get("alert_rule_test", []))]
                if not doc["tests"]:
                    continue
            doc["rule_files"] = [os.path.join(rule_dir, os.path.basename(r)) for r in doc["rule_files"]]
            dst = os.path.join(tmp, os.path.basename(t))
            with open(dst, "w") as f:
                yaml.safe_dump(doc, f, sort_keys=False)
            copies.append(dst)
        if not copies:
            return True
        r = subprocess.run([promtool, "test", "rules"] + copies, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return r.returncode == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--promtool", required=True)
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    errors = []

    base = runbook_base(root)
    with open(os.path.join(root, "docs", "runbooks.md")) as f:
        sections = set(re.findall(r"^## (\w+)\s*$", f.read(), re.M))
    with open(os.path.join(root, "rules", "README.md")) as f:
        readme = f.read()

    rule_files = sorted(glob.glob(os.path.join(root, "rules", "*.yml")))
    test_files = sorted(glob.glob(os.path.join(root, "tests", "rules", "*.test.yml")))
    if not rule_files or not test_files:
        sys.exit("no rule files or no test files")

    # What the tests cover, per alert name.
    fires, silent, switchover = set(), set(), set()
    tests_of_rule_file = {}
    for t in test_files:
        doc = load(t)
        for r in doc["rule_files"]:
            tests_of_rule_file.setdefault(os.path.basename(r), []).append(t)
        for case in doc["tests"]:
            for a in case.get("alert_rule_test", []):
                (fires if a.get("exp_alerts") else silent).add(a["alertname"])
                if "switchover" in case["name"]:
                    switchover.add(a["alertname"])

    alerts = 0
    jobs = []
    for path in rule_files:
        doc = load(path)
        rel = os.path.relpath(path, root)
        for gi, group in enumerate(doc["groups"]):
            for ri, rule in enumerate(group["rules"]):
                name = rule.get("alert")
                if not name:
                    continue
                alerts += 1
                where = "%s: %s (%s)" % (rel, name, (rule.get("labels") or {}).get("severity"))
                if "for" not in rule:
                    fail(errors, where + ": no for:")
                if (rule.get("labels") or {}).get("severity") not in SEVERITIES:
                    fail(errors, where + ": severity must be one of " + ", ".join(sorted(SEVERITIES)))
                ann = rule.get("annotations") or {}
                for key in ("summary", "description", "runbook_url"):
                    if not ann.get(key):
                        fail(errors, where + ": no " + key)
                if "$labels.scope" not in ann.get("description", "") and "$labels.target" not in ann.get(
                        "description", ""):
                    fail(errors, where + ": the description does not name the scope")
                if ann.get("runbook_url") != base + "#" + name.lower():
                    fail(errors, where + ": runbook_url must be %s#%s" % (base, name.lower()))
                if name not in sections:
                    fail(errors, where + ": docs/runbooks.md has no '## %s' section" % name)
                if not re.search(r"^\|\s*`?%s`?\s*\|" % name, readme, re.M):
                    fail(errors, where + ": rules/README.md's threshold table has no row for it")
                for have, what in ((fires, "fires"), (silent, "must not fire"), (switchover, "planned switchover")):
                    if name not in have:
                        fail(errors, where + ": no promtool test case where it " + what)

                # Mutations, run below in parallel.
                tests = tests_of_rule_file.get(os.path.basename(path), [])
                jobs.append((where, path, doc, gi, ri, "expression that never fires", "expr", "vector(1) == 2", tests))
                if rule.get("for") not in (None, "0s", "0m"):
                    jobs.append((where, path, doc, gi, ri, "for: 0s", "for", "0s", tests))

    def mutant_passes(job):
        where, path, doc, gi, ri, what, key, value, tests = job
        with tempfile.TemporaryDirectory() as rule_dir:
            for other in rule_files:
                shutil.copy(other, rule_dir)
            mutated = copy.deepcopy(doc)
            mutated["groups"][gi]["rules"][ri][key] = value
            with open(os.path.join(rule_dir, os.path.basename(path)), "w") as f:
                yaml.safe_dump(mutated, f, sort_keys=False)
            return promtool_passes(args.promtool, tests, rule_dir, mutated["groups"][gi]["rules"][ri]["alert"])

    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 4) as pool:
        for job, passes in zip(jobs, pool.map(mutant_passes, jobs)):
            if passes:
                fail(errors, job[0] + ": the promtool tests still pass with its " + job[5])

    # Sanity: the unmutated files pass (else every mutation "fails" trivially).
    if not promtool_passes(args.promtool, test_files, os.path.join(root, "rules")):
        fail(errors, "promtool test rules fails on the unmodified rules")
    print("%d alerting rules in %d files checked, %d mutants killed; %d problems"
          % (alerts, len(rule_files), len(jobs), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
