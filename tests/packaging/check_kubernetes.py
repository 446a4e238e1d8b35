#!/usr/bin/env python3
"""The Kubernetes examples in deploy/kubernetes/, validated offline (no cluster runs here).

Every document of every YAML file parses and has apiVersion, kind (one of the kinds used here, with its API
version) and metadata.name. Every workload's containers have a name, an image, liveness and readiness probes,
CPU and memory requests (not above their limits) and a securityContext. The patroni_exporter containers also:
run as the image's non-root uid (runAsNonRoot), read-only root, no privilege escalation, all capabilities
dropped; probe /-/healthy on their metrics port; use only flags `patroni_exporter --help` lists, and the binary
starts with exactly those args; an image tagged with the project version; a --patroni.timeout below the
ServiceMonitor's scrape timeout. Each exporter workload has prometheus.io annotations that match its port and
path, a Service selecting its pods with that port, and a ServiceMonitor selecting that Service's port.

Finally a few broken copies of the examples (a probe removed, an unknown flag, root, a ServiceMonitor on a
missing port, ...) must each be caught, so the checks cannot pass vacuously.

Usage: check_kubernetes.py --dir deploy/kubernetes --exporter build/patroni_exporter --project-version 0.1.0
       --uid 10001
"""
import argparse
import copy
import glob
import os
import re
import sys

import yaml

import pkgtest

API_VERSIONS = {
    "Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1",
    "Service": "v1", "ServiceAccount": "v1", "ConfigMap": "v1", "Secret": "v1",
    "Role": "rbac.authorization.k8s.io/v1", "RoleBinding": "rbac.authorization.k8s.io/v1",
    "ServiceMonitor": "monitoring.coreos.com/v1", "PodMonitor": "monitoring.coreos.com/v1",
    "PrometheusRule": "monitoring.coreos.com/v1",
}
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet"}
NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
UNITS = {"": 1, "m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9}


def quantity(text):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|k|M|G)?", str(text))
    return float(m.group(1)) * UNITS[m.group(2) or ""] if m else None


def duration_seconds(text):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)?", str(text))
    if not m:
        return None
    return float(m.group(1)) * {"ms": 1e-3, "s": 1, "m": 60, "h": 3600, None: 1}[m.group(2)]


def is_exporter(container):
    return "patroni_exporter" in str(container.get("image", ""))


def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


class Checker:
    def __init__(self, known_flags, version, uid, exporter=None):
        self.known, self.version, self.uid, self.exporter = known_flags, version, uid, exporter
        self.f = pkgtest.Failures()

    def check_file(self, name, docs):
        f = self.f
        docs = [d for d in docs if d is not None]
        for i, doc in enumerate(docs):
            where = f"{name}[{i}]"
            if not f.check(isinstance(doc, dict), f"{where}: not a mapping"):
                continue
            kind = doc.get("kind")
            meta = doc.get("metadata") or {}
            f.check(kind in API_VERSIONS, f"{where}: kind {kind!r} is none of {sorted(API_VERSIONS)}")
            f.check(doc.get("apiVersion") == API_VERSIONS.get(kind),
                    f"{where}: {kind} needs apiVersion {API_VERSIONS.get(kind)}, found {doc.get('apiVersion')!r}")
            f.check(bool(NAME.match(str(meta.get("name", "")))), f"{where}: metadata.name missing or invalid")
            for key, value in (meta.get("labels") or {}).items():
                f.check(isinstance(value, str), f"{where}: label {key} must be a string, found {value!r}")
            for key, value in (meta.get("annotations") or {}).items():
                f.check(isinstance(value, str), f"{where}: annotation {key} must be a string, found {value!r}")
        for doc in docs:
            if isinstance(doc, dict) and doc.get("kind") in WORKLOADS:
                self.check_workload(name, doc, docs)

    def check_workload(self, name, doc, docs):
        f = self.f
        where = f"{name}: {doc['kind']} {doc['metadata'].get('name')}"
        spec = doc.get("spec") or {}
        template = spec.get("template") or {}
        labels = (template.get("metadata") or {}).get("labels") or {}
        annotations = (template.get("metadata") or {}).get("annotations") or {}
        f.check(matches((spec.get("selector") or {}).get("matchLabels"), labels),
                f"{where}: spec.selector.matchLabels must select the template's labels")
        pod = template.get("spec") or {}
        containers = pod.get("containers") or []
        f.check(bool(containers), f"{where}: no containers")
        for c in containers:
            self.check_container(where, c, pod)
        for c in filter(is_exporter, containers):
            self.check_exporter(where, c, pod, labels, annotations, docs)

    def check_container(self, where, c, pod):
        f = self.f
        here = f"{where}: container {c.get('name')!r}"
        f.check(bool(c.get("name")), f"{here}: no name")
        f.check(bool(c.get("image")), f"{here}: no image")
        for probe in ("livenessProbe", "readinessProbe"):
            f.check(isinstance(c.get(probe), dict) and c[probe], f"{here}: no {probe}")
        resources = c.get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        for r in ("cpu", "memory"):
            f.check(quantity(requests.get(r)) is not None, f"{here}: resources.requests.{r} missing or invalid")
            if r in limits and quantity(requests.get(r)) is not None:
                f.check(quantity(limits[r]) is not None and quantity(limits[r]) >= quantity(requests[r]),
                        f"{here}: resources.limits.{r} below the request")
        f.check(isinstance(c.get("securityContext"), dict), f"{here}: no securityContext")
        f.check((c.get("securityContext") or {}).get("allowPrivilegeEscalation") is False,
                f"{here}: securityContext.allowPrivilegeEscalation must be false")

    def check_exporter(self, where, c, pod, labels, annotations, docs):
        f = self.f
        here = f"{where}: container {c.get('name')!r}"
        sc, psc = c.get("securityContext") or {}, pod.get("securityContext") or {}
        effective = dict(psc, **sc)
        f.check(effective.get("runAsNonRoot") is True, f"{here}: runAsNonRoot must be true")
        f.check(effective.get("runAsUser") == self.uid,
                f"{here}: runAsUser must be the image's uid {self.uid}, found {effective.get('runAsUser')!r}")
        f.check(sc.get("readOnlyRootFilesystem") is True, f"{here}: readOnlyRootFilesystem must be true")
        f.check("ALL" in ((sc.get("capabilities") or {}).get("drop") or []), f"{here}: capabilities must drop ALL")
        image = str(c.get("image", ""))
        f.check(image.endswith(":" + self.version),
                f"{here}: image {image} must be tagged with the project version {self.version}")

        ports = c.get("ports") or []
        metrics = [p for p in ports if p.get("name") == "metrics"]
        if not f.check(len(metrics) == 1, f"{here}: one container port named metrics expected"):
            return
        port = metrics[0].get("containerPort")
        args = [str(a) for a in c.get("args") or []]
        listen = args[args.index("--web.listen-address") + 1] if "--web.listen-address" in args else \
            self.known.get("--web.listen-address", "")
        f.check(str(port) == listen.rsplit(":", 1)[-1],
                f"{here}: containerPort {port} is not the port the exporter listens on ({listen})")
        for probe in ("livenessProbe", "readinessProbe"):
            get = (c.get(probe) or {}).get("httpGet") or {}
            f.check(get.get("path") == "/-/healthy", f"{here}: {probe} must GET /-/healthy")
            f.check(get.get("port") in ("metrics", port), f"{here}: {probe} must ask the metrics port")

        for flag in pkgtest.flags_in(args):
            f.check(flag in self.known, f"{here}: args use {flag}, which `patroni_exporter --help` does not list")
        path = args[args.index("--web.telemetry-path") + 1] if "--web.telemetry-path" in args else "/metrics"
        f.check(annotations.get("prometheus.io/scrape") == "true", f"{where}: prometheus.io/scrape must be \"true\"")
        f.check(annotations.get("prometheus.io/port") == str(port),
                f"{where}: prometheus.io/port must be \"{port}\", found {annotations.get('prometheus.io/port')!r}")
        f.check(annotations.get("prometheus.io/path") == path, f"{where}: prometheus.io/path must be {path}")

        services = [d for d in docs if isinstance(d, dict) and d.get("kind") == "Service"
                    and matches((d.get("spec") or {}).get("selector"), labels)
                    and any(p.get("targetPort") in ("metrics", port) for p in d["spec"].get("ports") or [])]
        if not f.check(bool(services), f"{where}: no Service selects these pods on the metrics port"):
            return
        monitors = []
        for svc in services:
            names = {p.get("name") for p in svc["spec"].get("ports") or []
                     if p.get("targetPort") in ("metrics", port)}
            for d in docs:
                if isinstance(d, dict) and d.get("kind") == "ServiceMonitor" and matches(
                        ((d.get("spec") or {}).get("selector") or {}).get("matchLabels"),
                        (svc.get("metadata") or {}).get("labels") or {}):
                    endpoints = [e for e in d["spec"].get("endpoints") or [] if e.get("port") in names]
                    monitors += [(d, e) for e in endpoints]
        if not f.check(bool(monitors), f"{where}: no ServiceMonitor selects its Service's metrics port"):
            return
        timeout = duration_seconds(args[args.index("--patroni.timeout") + 1]) if "--patroni.timeout" in args \
            else duration_seconds(self.known.get("--patroni.timeout"))
        for monitor, endpoint in monitors:
            what = f"{where}: ServiceMonitor {monitor['metadata'].get('name')}"
            f.check(endpoint.get("path", "/metrics") == path, f"{what}: path must be {path}")
            interval = duration_seconds(endpoint.get("interval"))
            scrape_timeout = duration_seconds(endpoint.get("scrapeTimeout"))
            if f.check(interval and scrape_timeout, f"{what}: interval and scrapeTimeout must be set"):
                f.check(scrape_timeout <= interval, f"{what}: scrapeTimeout above interval")
                f.check(timeout is not None and timeout < scrape_timeout,
                        f"{what}: --patroni.timeout ({timeout} s) must be below scrapeTimeout ({scrape_timeout} s)")

        if self.exporter and not self.f.items:
            try:
                with pkgtest.Exporter([self.exporter] + args, kill_on_exit=True) as e:
                    print(f"{here}: the binary starts with {' '.join(args)} (port {e.port})")
            except RuntimeError as e:
                f.fail(f"{here}: the binary refuses its args: {e}")


def mutations(docs_by_file):
    """(description, mutated copy of docs_by_file) pairs, each of which the checker must reject."""
    def exporter_containers(docs):
        for d in docs:
            if isinstance(d, dict) and d.get("kind") in WORKLOADS:
                for c in d["spec"]["template"]["spec"]["containers"]:
                    if is_exporter(c):
                        yield d, c

    def mutate(description, change):
        out = []
        for name, docs in docs_by_file.items():
            docs2 = copy.deepcopy(docs)
            if change(docs2):
                out.append((f"{name}: {description}", {name: docs2}))
        return out

    def first(fn):
        def apply(docs):
            for d, c in exporter_containers(docs):
                fn(d, c)
                return True
            return False
        return apply

    def servicemonitor_port(docs):
        for d in docs:
            if isinstance(d, dict) and d.get("kind") == "ServiceMonitor":
                d["spec"]["endpoints"][0]["port"] = "web"
                return True
        return False

    cases = []
    cases += mutate("liveness probe removed", first(lambda d, c: c.pop("livenessProbe")))
    cases += mutate("unknown flag", first(lambda d, c: c["args"].append("--patroni.no-such-flag")))
    cases += mutate("root", first(lambda d, c: c["securityContext"].update(runAsNonRoot=False, runAsUser=0)))
    cases += mutate("no memory request", first(lambda d, c: c["resources"]["requests"].pop("memory")))
    cases += mutate("image tag", first(lambda d, c: c.update(image="patroni_exporter:latest")))
    cases += mutate("annotation port", first(
        lambda d, c: d["spec"]["template"]["metadata"]["annotations"].update({"prometheus.io/port": "9187"})))
    cases += mutate("readiness on /metrics", first(lambda d, c: c["readinessProbe"]["httpGet"].update(path="/metrics")))
    cases += mutate("ServiceMonitor on a missing port", servicemonitor_port)
    cases += mutate("no metadata.name", lambda docs: docs[0]["metadata"].pop("name", None) is not None)
    return cases


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--exporter", required=True)
    parser.add_argument("--project-version", required=True)
    parser.add_argument("--uid", type=int, required=True)
    args = parser.parse_args()
    known = pkgtest.help_flags(args.exporter)
    files = sorted(glob.glob(os.path.join(args.dir, "*.yaml")) + glob.glob(os.path.join(args.dir, "*.yml")))
    if not files:
        sys.exit(f"no YAML in {args.dir}")
    docs_by_file = {}
    checker = Checker(known, args.project_version, args.uid, exporter=args.exporter)
    exporters = 0
    for path in files:
        name = os.path.relpath(path, args.dir)
        try:
            docs_by_file[name] = list(yaml.safe_load_all(open(path, encoding="utf-8")))
        except yaml.YAMLError as e:
            checker.f.fail(f"{name}: does not parse: {e}")
            continue
        checker.check_file(name, docs_by_file[name])
        exporters += sum(1 for d in docs_by_file[name] if isinstance(d, dict) and d.get("kind") in WORKLOADS
                         for c in d["spec"]["template"]["spec"]["containers"] if is_exporter(c))
    checker.f.check(exporters >= 2, f"expected the sidecar and the per-cluster example, found {exporters} exporters")

    for description, mutated in mutations(docs_by_file):
        probe = Checker(known, args.project_version, args.uid)
        for name, docs in mutated.items():
            probe.check_file(name, docs)
        checker.f.check(bool(probe.f.items), f"a broken copy passed the checks: {description}")
    return checker.f.finish(f"{len(files)} files, {sum(len(d) for d in docs_by_file.values())} documents, "
                            f"{exporters} exporter containers; every broken copy caught")


if __name__ == "__main__":
    sys.exit(main())
