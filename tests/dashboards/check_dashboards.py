#!/usr/bin/env python3
"""Structural check of the Grafana dashboards in dashboards/*.json, so they import as they are anywhere.

  - valid JSON; a fixed, unique `uid` equal to the file name's stem; a title;
  - a `datasource` variable of type datasource (Prometheus), and `scope` and `member` query variables;
  - every `datasource` reference anywhere (panels, targets, variables, annotations) is `${datasource}`: no
    hard-coded data source uid or name, no `__inputs`/`${DS_...}` placeholders;
  - every panel has a unique id, a gridPos inside the 24 columns, and (rows apart) a unit in
    fieldConfig.defaults.unit and at least one target with an expression;
  - the files are exactly what the monitoring mixin renders (`python3 mixin/render.py`; no hand edits that the
    mixin would lose);
  - the overview's alerts table links every alert of rules/*.yml to the runbook_url of its rule;
  - the provisioning examples in dashboards/provisioning/ are YAML with apiVersion 1.

Usage: check_dashboards.py --root REPO
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import yaml

DS_REF = "${datasource}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    errors = []

    def fail(msg):
        errors.append(msg)
        print("FAIL " + msg)

    files = sorted(glob.glob(os.path.join(root, "dashboards", "*.json")))
    if len(files) < 3:
        fail("expected at least 3 dashboards in dashboards/, found %d" % len(files))
    uids = {}
    panels_checked = 0
    for path in files:
        name = os.path.relpath(path, root)
        try:
            with open(path) as f:
                text = f.read()
            board = json.loads(text)
        except (OSError, ValueError) as e:
            fail("%s: not valid JSON: %s" % (name, e))
            continue
        if "${DS_" in text or "__inputs" in board:
            fail("%s: uses __inputs / ${DS_...}: import would ask for a data source" % name)
        uid = board.get("uid")
        stem = os.path.splitext(os.path.basename(path))[0]
        if not uid or uid != stem:
            fail("%s: uid must be fixed and equal to the file name stem %r, got %r" % (name, stem, uid))
        if uid in uids:
            fail("%s: uid %r also used by %s" % (name, uid, uids[uid]))
        uids[uid] = name
        if len(uid or "") > 40:
            fail("%s: uid longer than Grafana's 40 characters" % name)
        if not board.get("title"):
            fail("%s: no title" % name)

        variables = {v.get("name"): v for v in board.get("templating", {}).get("list", [])}
        ds_var = variables.get("datasource")
        if not ds_var or ds_var.get("type") != "datasource" or ds_var.get("query") != "prometheus":
            fail("%s: needs a variable `datasource` of type datasource with query prometheus" % name)
        for var in ("scope", "member"):
            v = variables.get(var)
            if not v or v.get("type") != "query":
                fail("%s: needs a query variable `%s`" % (name, var))

        # Every datasource reference, wherever it is.
        def walk(node, where):
            if isinstance(node, dict):
                if "datasource" in node:
                    ds = node["datasource"]
                    uid_ = ds.get("uid") if isinstance(ds, dict) else ds
                    if uid_ != DS_REF:
                        fail("%s: %s: datasource %r is not %s" % (name, where, ds, DS_REF))
                for k, v in node.items():
                    walk(v, where + "." + k)
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    walk(v, "%s[%d]" % (where, i))
        walk(board, "")

        ids = set()

        def check_panel(p):
            nonlocal panels_checked
            pid = p.get("id")
            where = "%s: panel %r (id %r)" % (name, p.get("title"), pid)
            if not isinstance(pid, int) or pid in ids:
                fail(where + ": panel id missing or not unique")
            ids.add(pid)
            g = p.get("gridPos") or {}
            if not all(isinstance(g.get(k), int) for k in "hwxy") or g["x"] + g["w"] > 24:
                fail(where + ": bad gridPos %r" % g)
            if p.get("type") == "row":
                for child in p.get("panels", []):
                    check_panel(child)
                return
            panels_checked += 1
            if not p.get("title"):
                fail(where + ": no title")
            unit = ((p.get("fieldConfig") or {}).get("defaults") or {}).get("unit")
            if not isinstance(unit, str) or not unit:
                fail(where + ": no unit in fieldConfig.defaults.unit")
            ds = p.get("datasource")
            if not isinstance(ds, dict) or ds.get("uid") != DS_REF:
                fail(where + ": panel datasource must be %s" % DS_REF)
            targets = p.get("targets") or []
            if not targets:
                fail(where + ": no targets")
            refs = set()
            for t in targets:
                if not (t.get("expr") or "").strip():
                    fail(where + ": a target without expr")
                if not isinstance(t.get("datasource"), dict) or t["datasource"].get("uid") != DS_REF:
                    fail(where + ": target %s datasource must be %s" % (t.get("refId"), DS_REF))
                if t.get("refId") in refs:
                    fail(where + ": duplicate refId %s" % t.get("refId"))
                refs.add(t.get("refId"))

        for p in board.get("panels", []):
            check_panel(p)

    # The JSON is what the mixin renders.
    render = os.path.join(root, "mixin", "render.py")
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([sys.executable, render, "--out", tmp], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            fail("mixin/render.py failed: " + r.stdout.decode())
        else:
            generated = sorted(os.listdir(os.path.join(tmp, "dashboards")))
            committed = sorted(os.path.basename(f) for f in files)
            if generated != committed:
                fail("mixin/render.py writes %s, dashboards/ has %s" % (generated, committed))
            for g in generated:
                committed_path = os.path.join(root, "dashboards", g)
                if os.path.exists(committed_path):
                    with open(os.path.join(tmp, "dashboards", g)) as a, open(committed_path) as b:
                        if a.read() != b.read():
                            fail("dashboards/%s differs from what mixin/render.py writes: run it and commit" % g)

    # The alerts table of the overview links every alert of rules/*.yml to the runbook_url its rule carries.
    runbooks = {}
    for rf in glob.glob(os.path.join(root, "rules", "*.yml")):
        with open(rf) as f:
            for g in yaml.safe_load(f)["groups"]:
                for r in g["rules"]:
                    if "alert" in r:
                        runbooks[r["alert"]] = r["annotations"]["runbook_url"]
    overview = os.path.join(root, "dashboards", "patroni-cluster-overview.json")
    with open(overview) as f:
        tables = [p for p in json.load(f)["panels"] if p.get("title") == "Patroni alerts firing"]
    if len(tables) != 1:
        fail("patroni-cluster-overview.json: no single 'Patroni alerts firing' panel")
    else:
        expr = tables[0]["targets"][0]["expr"]
        for alert, url in sorted(runbooks.items()):
            if 'alertname="%s",' % alert not in expr or '"runbook_url", "%s"' % url not in expr:
                fail("alerts table: %s is not linked to its runbook %s" % (alert, url))
        links = {o["matcher"]["options"]: o["properties"][0]["value"][0]["url"] for o in tables[0]["fieldConfig"]["overrides"]}
        if links.get("alertname") != "${__data.fields.runbook_url}":
            fail("alerts table: the alertname column does not link to the runbook_url field")

    provisioning = sorted(glob.glob(os.path.join(root, "dashboards", "provisioning", "*.yml")))
    if not provisioning:
        fail("no provisioning example in dashboards/provisioning/")
    for path in provisioning:
        with open(path) as f:
            doc = yaml.safe_load(f)
        if not isinstance(doc, dict) or doc.get("apiVersion") != 1 or not (doc.get("providers") or
                                                                            doc.get("datasources")):
            fail("%s: not a Grafana provisioning file (apiVersion 1, providers or datasources)" % path)

    print("%d dashboards, %d panels checked; %d problems" % (len(files), panels_checked, len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
