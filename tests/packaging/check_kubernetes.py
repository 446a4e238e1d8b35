#!/usr/bin/env python3
"""The Kubernetes examples in deploy/kubernetes/ (all its subdirectories), validated offline (no cluster runs here).

Every document of every YAML file (kustomization.yaml aside: check_kustomize.py) parses, has apiVersion, kind (one
of the kinds used here, with its API version) and metadata.name, and passes the schema subset of its kind in
kubernetes_schemas.yaml (Prometheus Operator CRDs, Kubernetes core/apps, the Zalando and Percona operators' CRs; the
file says which version each was read from). A PrometheusRule also has unique group names and exactly one of
`alert`/`record` per rule; since prometheusrule.yaml (in --dir) is rendered elsewhere (the mixin), the rules
of rules/*.yml are wrapped into a PrometheusRule here too and must pass the same checks.

Pods that carry a patroni_exporter container: a Deployment/StatefulSet/DaemonSet's template, a Zalando `postgresql`
resource's spec.sidecars (pods labelled application=spilo, cluster-name=NAME) and a PerconaPGCluster's
instances[].sidecars (pods labelled postgres-operator.crunchydata.com/cluster and /instance-set). For each:
- the container has a name, an image tagged with the project version, CPU and memory requests (not above their
  limits) and a container port named `metrics` that is the port it listens on;
- where the CR lets one write them (not in a Zalando sidecar, whose type has no such fields), liveness and
  readiness probes on /-/healthy at the metrics port and a securityContext: the image's non-root uid, read-only
  root, no privilege escalation, all capabilities dropped;
- its flags (args, or a Zalando sidecar's command after the binary) are flags of `patroni_exporter --help`, and
  the binary starts with exactly them;
- plain workloads carry prometheus.io annotations that match port and path;
- a ServiceMonitor (through a Service selecting the pods on the metrics port) or a PodMonitor (selecting the pod
  labels, port `metrics`) scrapes it, with the telemetry path, an interval, a scrape timeout not above it, and a
  --patroni.timeout below the scrape timeout;
- TLS agrees everywhere: with --web.config.file (HTTPS) the monitors say `scheme: https` with a tlsConfig and the
  probes `scheme: HTTPS`; without it, neither.

deploy/kubernetes/README.md's YAML examples (the TLS section) pass too: a block that is a whole object is checked
as one; a block whose first line is `# fragment: NAME` is checked against that fragment schema, and the same TLS
agreement holds within it. A ConfigMap example holding a web config must make the binary serve HTTPS (with the
test key pair of tests/testdata/web_config/certs), as `patroni_exporter healthcheck` confirms.

Finally broken copies (a probe removed, an unknown flag, root, a PodMonitor with `endpoints`, a wrong scheme, an
upper-case probe scheme, a Zalando sidecar with args, ...) must each be caught, so the checks cannot pass
vacuously.

Usage: check_kubernetes.py --dir deploy/kubernetes --rules-dir rules --exporter build/patroni_exporter
       --project-version 0.1.0 --uid 10001 --web-certs-dir tests/testdata/web_config/certs
"""
import argparse
import copy
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

import k8s_schema
import pkgtest

API_VERSIONS = {
    "Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1",
    "Service": "v1", "ServiceAccount": "v1", "ConfigMap": "v1", "Secret": "v1",
    "Role": "rbac.authorization.k8s.io/v1", "RoleBinding": "rbac.authorization.k8s.io/v1",
    "ServiceMonitor": "monitoring.coreos.com/v1", "PodMonitor": "monitoring.coreos.com/v1",
    "PrometheusRule": "monitoring.coreos.com/v1",
    "postgresql": "acid.zalan.do/v1", "PerconaPGCluster": "pgv2.percona.com/v2",
}
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet"}
NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
UNITS = {"": 1, "m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9}
BINARY = "/usr/bin/patroni_exporter"


def quantity(text):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|k|M|G)?", str(text))
    return float(m.group(1)) * UNITS[m.group(2) or ""] if m else None


def duration_seconds(text):
    """Prometheus Operator durations (`1m30s`, `15s`, `500ms`) and the exporter's single-unit ones."""
    text = str(text)
    m = re.fullmatch(r"((?:\d+(?:y|w|d|h|m|s|ms))+)", text)
    if m:
        units = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 1e-3}
        return sum(float(n) * units[u] for n, u in re.findall(r"(\d+)(ms|y|w|d|h|m|s)", text))
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)?", text)
    if not m:
        return None
    return float(m.group(1)) * {"ms": 1e-3, "s": 1, "m": 60, "h": 3600, None: 1}[m.group(2)]


def is_exporter(container):
    return "patroni_exporter" in str(container.get("image", ""))


def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def arg_value(args, flag, default=None):
    """The value of `flag X` or `flag=X` among args; default when absent."""
    for i, word in enumerate(args):
        if word == flag and i + 1 < len(args):
            return args[i + 1]
        if word.startswith(flag + "="):
            return word.split("=", 1)[1]
    return default


class PodSource:
    """Pods of one kind of object that may carry the exporter: where (for messages), the pod labels, the pod
    template's annotations, its containers, the pod-level securityContext, and what the CR lets one write."""

    def __init__(self, where, labels, annotations, containers, pod_security, flavour):
        self.where, self.labels, self.annotations = where, labels, annotations
        self.containers, self.pod_security, self.flavour = containers, pod_security, flavour

    @property
    def full_container(self):  # probes, securityContext and args can be written
        return self.flavour != "zalando"


def pod_sources(name, doc):
    kind = doc.get("kind")
    meta = doc.get("metadata") or {}
    spec = doc.get("spec") or {}
    where = f"{name}: {kind} {meta.get('name')}"
    if kind in WORKLOADS:
        template = spec.get("template") or {}
        pod = template.get("spec") or {}
        yield PodSource(where, (template.get("metadata") or {}).get("labels") or {},
                        (template.get("metadata") or {}).get("annotations") or {}, pod.get("containers") or [],
                        pod.get("securityContext") or {}, "workload")
    elif kind == "postgresql":
        # The Zalando operator labels its pods application=spilo and (cluster_name_label) cluster-name=NAME.
        yield PodSource(where, {"application": "spilo", "cluster-name": meta.get("name")}, {},
                        spec.get("sidecars") or [], {}, "zalando")
    elif kind == "PerconaPGCluster":
        for instance in spec.get("instances") or []:
            labels = {"postgres-operator.crunchydata.com/cluster": meta.get("name"),
                      "postgres-operator.crunchydata.com/instance-set": instance.get("name")}
            yield PodSource(f"{where} instance {instance.get('name')}", labels, {}, instance.get("sidecars") or [],
                            {}, "percona")


def exporter_args(source, container):
    """The exporter's flags: args, or for a Zalando sidecar (no args field) the command after the binary."""
    if source.flavour == "zalando":
        command = [str(w) for w in container.get("command") or []]
        return command[1:] if command else []
    return [str(a) for a in container.get("args") or []]


def check_tls_agreement(f, where, args, probes, endpoints):
    """HTTPS (--web.config.file) everywhere or nowhere: probes' scheme, monitors' scheme and tlsConfig."""
    https = "--web.config.file" in pkgtest.flags_in(args)
    for probe_name, probe in probes:
        scheme = ((probe or {}).get("httpGet") or {}).get("scheme", "HTTP")
        f.check(scheme == ("HTTPS" if https else "HTTP"),
                f"{where}: {probe_name} scheme {scheme}, but the exporter serves "
                f"{'HTTPS (--web.config.file)' if https else 'plain HTTP'}")
    for what, endpoint in endpoints:
        scheme = endpoint.get("scheme", "http")
        f.check(scheme == ("https" if https else "http"),
                f"{what}: scheme {scheme}, but the exporter serves {'HTTPS' if https else 'plain HTTP'}")
        if scheme == "https":
            f.check(bool(endpoint.get("tlsConfig")), f"{what}: scheme https without a tlsConfig (CA, serverName)")


class Checker:
    def __init__(self, known_flags, version, uid, schemas, exporter=None, certs_dir=None):
        self.known, self.version, self.uid, self.exporter = known_flags, version, uid, exporter
        self.certs_dir = certs_dir
        self.schemas = schemas
        self.f = pkgtest.Failures()
        self.started = []

    def check_tree(self, docs_by_file):
        """Every file; an exporter's Service and monitors are looked for in all files of its directory (one
        kustomization). Returns the number of exporter containers."""
        exporters = 0
        for name, docs in docs_by_file.items():
            directory = os.path.dirname(name)
            context = [d for other, more in docs_by_file.items() if os.path.dirname(other) == directory
                       for d in more if d is not None]
            exporters += self.check_file(name, docs, context)
        return exporters

    def check_file(self, name, docs, context=None):
        f = self.f
        docs = [d for d in docs if d is not None]
        context = docs if context is None else context
        for i, doc in enumerate(docs):
            where = f"{name}[{i}]"
            if not f.check(isinstance(doc, dict), f"{where}: not a mapping"):
                continue
            kind = doc.get("kind")
            meta = doc.get("metadata") or {}
            where = f"{name}[{i}] {kind} {meta.get('name')}"
            f.check(kind in API_VERSIONS, f"{where}: kind {kind!r} is none of {sorted(API_VERSIONS)}")
            f.check(doc.get("apiVersion") == API_VERSIONS.get(kind),
                    f"{where}: {kind} needs apiVersion {API_VERSIONS.get(kind)}, found {doc.get('apiVersion')!r}")
            f.check(bool(NAME.match(str(meta.get("name", "")))), f"{where}: metadata.name missing or invalid")
            for key, value in (meta.get("labels") or {}).items():
                f.check(isinstance(value, str), f"{where}: label {key} must be a string, found {value!r}")
            for key, value in (meta.get("annotations") or {}).items():
                f.check(isinstance(value, str), f"{where}: annotation {key} must be a string, found {value!r}")
            for error in self.schemas.object_errors(doc):
                f.fail(f"{where}: schema: {error}")
            if kind == "PrometheusRule":
                self.check_rules(where, doc)
        exporters = 0
        for doc in docs:
            if isinstance(doc, dict):
                for source in pod_sources(name, doc):
                    for c in source.containers:
                        if isinstance(c, dict):
                            self.check_container(source, c)
                    for c in filter(lambda c: isinstance(c, dict) and is_exporter(c), source.containers):
                        exporters += 1
                        self.check_exporter(source, c, context)
        return exporters

    def check_rules(self, where, doc):
        f = self.f
        groups = ((doc.get("spec") or {}).get("groups")) or []
        names = [g.get("name") for g in groups if isinstance(g, dict)]
        f.check(len(names) == len(set(names)), f"{where}: group names repeat: {names}")
        f.check(bool(groups), f"{where}: no rule groups")
        for group in groups:
            for rule in (group or {}).get("rules") or []:
                f.check(("alert" in rule) != ("record" in rule),
                        f"{where}: group {group.get('name')}: a rule needs exactly one of alert and record: {rule}")

    def check_container(self, source, c):
        f = self.f
        here = f"{source.where}: container {c.get('name')!r}"
        f.check(bool(c.get("name")), f"{here}: no name")
        f.check(bool(c.get("image")), f"{here}: no image")
        if source.flavour == "workload" or is_exporter(c):
            if source.full_container:
                for probe in ("livenessProbe", "readinessProbe"):
                    f.check(isinstance(c.get(probe), dict) and c[probe], f"{here}: no {probe}")
            resources = c.get("resources") or {}
            requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
            for r in ("cpu", "memory"):
                f.check(quantity(requests.get(r)) is not None, f"{here}: resources.requests.{r} missing or invalid")
                if r in limits and quantity(requests.get(r)) is not None:
                    f.check(quantity(limits[r]) is not None and quantity(limits[r]) >= quantity(requests[r]),
                            f"{here}: resources.limits.{r} below the request")
            if source.full_container:
                f.check(isinstance(c.get("securityContext"), dict), f"{here}: no securityContext")
                f.check((c.get("securityContext") or {}).get("allowPrivilegeEscalation") is False,
                        f"{here}: securityContext.allowPrivilegeEscalation must be false")

    def check_exporter(self, source, c, docs):
        f = self.f
        where = source.where
        here = f"{where}: container {c.get('name')!r}"
        image = str(c.get("image", ""))
        f.check(image.endswith(":" + self.version),
                f"{here}: image {image} must be tagged with the project version {self.version}")
        if source.full_container:
            sc = c.get("securityContext") or {}
            effective = dict(source.pod_security, **sc)
            f.check(effective.get("runAsNonRoot") is True, f"{here}: runAsNonRoot must be true")
            f.check(effective.get("runAsUser") == self.uid,
                    f"{here}: runAsUser must be the image's uid {self.uid}, found {effective.get('runAsUser')!r}")
            f.check(sc.get("readOnlyRootFilesystem") is True, f"{here}: readOnlyRootFilesystem must be true")
            f.check("ALL" in ((sc.get("capabilities") or {}).get("drop") or []),
                    f"{here}: capabilities must drop ALL")
        else:
            command = [str(w) for w in c.get("command") or []]
            f.check(not command or command[0] == BINARY,
                    f"{here}: command must start with the image's binary {BINARY}, found {command[:1]}")

        ports = c.get("ports") or []
        metrics = [p for p in ports if p.get("name") == "metrics"]
        if not f.check(len(metrics) == 1, f"{here}: one container port named metrics expected"):
            return
        port = metrics[0].get("containerPort")
        args = exporter_args(source, c)
        listen = arg_value(args, "--web.listen-address", self.known.get("--web.listen-address", ""))
        f.check(str(port) == str(listen).rsplit(":", 1)[-1],
                f"{here}: containerPort {port} is not the port the exporter listens on ({listen})")
        probes = [(p, c.get(p)) for p in ("livenessProbe", "readinessProbe") if source.full_container]
        for probe, spec in probes:
            get = (spec or {}).get("httpGet") or {}
            f.check(get.get("path") == "/-/healthy", f"{here}: {probe} must GET /-/healthy")
            f.check(get.get("port") in ("metrics", port), f"{here}: {probe} must ask the metrics port")

        for flag in pkgtest.flags_in(args):
            f.check(flag in self.known, f"{here}: args use {flag}, which `patroni_exporter --help` does not list")
        path = arg_value(args, "--web.telemetry-path", "/metrics")
        if source.flavour == "workload":
            annotations = source.annotations
            f.check(annotations.get("prometheus.io/scrape") == "true",
                    f"{where}: prometheus.io/scrape must be \"true\"")
            f.check(annotations.get("prometheus.io/port") == str(port),
                    f"{where}: prometheus.io/port must be \"{port}\", found "
                    f"{annotations.get('prometheus.io/port')!r}")
            f.check(annotations.get("prometheus.io/path") == path, f"{where}: prometheus.io/path must be {path}")

        endpoints = self.monitor_endpoints(source.labels, port, docs)
        if not f.check(bool(endpoints), f"{where}: no ServiceMonitor (through a Service) or PodMonitor selects "
                                        f"these pods' metrics port"):
            return
        timeout = duration_seconds(arg_value(args, "--patroni.timeout", self.known.get("--patroni.timeout")))
        for what, endpoint in endpoints:
            what = f"{where}: {what}"
            f.check(endpoint.get("path", "/metrics") == path, f"{what}: path must be {path}")
            interval = duration_seconds(endpoint.get("interval"))
            scrape_timeout = duration_seconds(endpoint.get("scrapeTimeout"))
            if f.check(interval and scrape_timeout, f"{what}: interval and scrapeTimeout must be set"):
                f.check(scrape_timeout <= interval, f"{what}: scrapeTimeout above interval")
                f.check(timeout is not None and timeout < scrape_timeout,
                        f"{what}: --patroni.timeout ({timeout} s) must be below scrapeTimeout ({scrape_timeout} s)")
        check_tls_agreement(f, here, args, probes, [(f"{where}: {w}", e) for w, e in endpoints])

        if self.exporter and not self.f.items:
            try:
                with pkgtest.Exporter([self.exporter] + args, kill_on_exit=True) as e:
                    self.started.append(f"{here}: the binary starts with {' '.join(args) or '(no flags)'}")
            except RuntimeError as e:
                f.fail(f"{here}: the binary refuses its args: {e}")

    def serve_web_config(self, where, text):
        """The exporter serves HTTPS with this web config (its key pair being the test certificates of
        tests/testdata/web_config/certs under the names the config gives), as `patroni_exporter healthcheck` sees."""
        f = self.f
        config = yaml.safe_load(text) or {}
        tls = config.get("tls_server_config") or {}
        with tempfile.TemporaryDirectory(prefix="check_kubernetes.") as tmp:
            shutil.copy(os.path.join(self.certs_dir, "server.pem"), os.path.join(tmp, tls.get("cert_file", "x")))
            shutil.copy(os.path.join(self.certs_dir, "server.key"), os.path.join(tmp, tls.get("key_file", "y")))
            path = os.path.join(tmp, "web-config.yml")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            port = pkgtest.free_port()
            proc = subprocess.Popen([self.exporter, "--patroni.url", "http://127.0.0.1:1", "--web.config.file", path,
                                     "--web.listen-address", f"127.0.0.1:{port}"], stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True)
            try:
                out, code = "", 1
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and proc.poll() is None:
                    run = subprocess.run([self.exporter, "healthcheck", str(proc.pid)], capture_output=True,
                                         text=True, timeout=15)
                    code, out = run.returncode, (run.stdout + run.stderr).strip()
                    if code == 0:
                        break
                    time.sleep(0.1)
                if proc.poll() is not None:
                    out = f"the exporter exited with {proc.returncode}: {proc.stdout.read()}"
                if f.check(code == 0 and "https://" in out, f"{where}: the exporter does not serve HTTPS: {out}"):
                    self.started.append(f"{where}: served over HTTPS ({out})")
            finally:
                proc.kill()
                proc.wait()

    @staticmethod
    def monitor_endpoints(pod_labels, port, docs):
        """(description, endpoint) of every ServiceMonitor/PodMonitor endpoint that scrapes these pods' metrics."""
        found = []
        for svc in docs:
            if not (isinstance(svc, dict) and svc.get("kind") == "Service"
                    and matches((svc.get("spec") or {}).get("selector"), pod_labels)):
                continue
            names = {p.get("name") for p in (svc.get("spec") or {}).get("ports") or []
                     if p.get("targetPort") in ("metrics", port)}
            for d in docs:
                if isinstance(d, dict) and d.get("kind") == "ServiceMonitor" and matches(
                        ((d.get("spec") or {}).get("selector") or {}).get("matchLabels"),
                        (svc.get("metadata") or {}).get("labels") or {}):
                    found += [(f"ServiceMonitor {d['metadata'].get('name')}", e)
                              for e in d["spec"].get("endpoints") or [] if e.get("port") in names]
        for d in docs:
            if isinstance(d, dict) and d.get("kind") == "PodMonitor" and matches(
                    ((d.get("spec") or {}).get("selector") or {}).get("matchLabels"), pod_labels):
                found += [(f"PodMonitor {d['metadata'].get('name')}", e)
                          for e in d["spec"].get("podMetricsEndpoints") or []
                          if e.get("port") == "metrics" or e.get("portNumber") == port]
        return found

    def check_readme(self, name, text):
        """The README's ```yaml blocks: whole objects, or `# fragment: NAME` blocks. Returns the count."""
        f = self.f
        blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
        for i, block in enumerate(blocks):
            where = f"{name} yaml block {i + 1}"
            try:
                docs = [d for d in yaml.safe_load_all(block) if d is not None]
            except yaml.YAMLError as e:
                f.fail(f"{where}: does not parse: {e}")
                continue
            m = re.match(r"#\s*fragment:\s*(\w+)", block)
            if not m:
                self.check_file(where, docs)
                for doc in docs:
                    if isinstance(doc, dict) and doc.get("kind") == "ConfigMap" and self.exporter and self.certs_dir:
                        for key, value in (doc.get("data") or {}).items():
                            if "tls_server_config" in str(value):
                                self.serve_web_config(f"{where}: ConfigMap key {key}", str(value))
                    for what, endpoints in (("endpoints", "ServiceMonitor"), ("podMetricsEndpoints", "PodMonitor")):
                        if isinstance(doc, dict) and doc.get("kind") == endpoints:
                            check_tls_agreement(f, where, ["--web.config.file"] if any(
                                e.get("scheme") == "https" for e in doc["spec"].get(what) or []) else [], [],
                                [(f"{where}: {endpoints}", e) for e in doc["spec"].get(what) or []])
                continue
            for doc in docs:
                for error in self.schemas.fragment_errors(m.group(1), doc):
                    f.fail(f"{where}: schema {m.group(1)}: {error}")
                if m.group(1) == "Container":
                    args = [str(a) for a in doc.get("args") or []]
                    for flag in pkgtest.flags_in(args):
                        f.check(flag in self.known, f"{where}: args use {flag}, which --help does not list")
                    check_tls_agreement(f, where, args, [(p, doc.get(p)) for p in ("livenessProbe", "readinessProbe")
                                                         if p in doc], [])
                else:
                    https = doc.get("scheme") == "https"
                    check_tls_agreement(f, where, ["--web.config.file"] if https else [], [], [(where, doc)])
        return len(blocks)


def rules_as_prometheusrule(rules_dir):
    groups = []
    for path in sorted(glob.glob(os.path.join(rules_dir, "*.yml"))):
        with open(path, encoding="utf-8") as fh:
            groups += (yaml.safe_load(fh) or {}).get("groups") or []
    return {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
            "metadata": {"name": "patroni-exporter-rules"}, "spec": {"groups": groups}}


def mutations(docs_by_file, readme_text):
    """(description, {file: docs} or ("README", text)) pairs, each of which the checker must reject."""
    def first_of(kinds, fn):
        """Apply fn to the first document of one of `kinds` in each file that has one."""
        out = []
        for name, docs in docs_by_file.items():
            docs2 = copy.deepcopy(docs)
            for d in docs2:
                if isinstance(d, dict) and d.get("kind") in kinds:
                    fn(d)
                    out.append((name, {name: docs2}))
                    break
        return out

    def first_exporter(flavours, fn):
        out = []
        for name, docs in docs_by_file.items():
            docs2 = copy.deepcopy(docs)
            done = False
            for d in docs2:
                for source in (pod_sources(name, d) if isinstance(d, dict) else []):
                    for c in source.containers:
                        if not done and is_exporter(c) and source.flavour in flavours:
                            fn(d, c)
                            done = True
            if done:
                out.append((name, {name: docs2}))
        return out

    workloads = ("workload", "percona")
    cases = [
        ("liveness probe removed", first_exporter(workloads, lambda d, c: c.pop("livenessProbe"))),
        ("unknown flag", first_exporter(workloads, lambda d, c: c["args"].append("--patroni.no-such-flag"))),
        ("root", first_exporter(workloads, lambda d, c: c["securityContext"].update(runAsNonRoot=False,
                                                                                     runAsUser=0))),
        ("no memory request", first_exporter(("workload", "percona", "zalando"),
                                             lambda d, c: c["resources"]["requests"].pop("memory"))),
        ("image tag", first_exporter(("workload", "percona", "zalando"),
                                     lambda d, c: c.update(image="patroni_exporter:latest"))),
        ("annotation port", first_exporter(("workload",), lambda d, c: d["spec"]["template"]["metadata"][
            "annotations"].update({"prometheus.io/port": "9187"}))),
        ("readiness on /metrics", first_exporter(workloads,
                                                 lambda d, c: c["readinessProbe"]["httpGet"].update(path="/metrics"))),
        ("probe scheme in lower case", first_exporter(workloads,
                                                      lambda d, c: c["livenessProbe"]["httpGet"].update(
                                                          scheme="https"))),
        ("HTTPS probes of a plain-HTTP exporter", first_exporter(workloads, lambda d, c: [
            c[p]["httpGet"].update(scheme="HTTPS") for p in ("livenessProbe", "readinessProbe")])),
        ("Zalando sidecar with args (the operator drops them)",
         first_exporter(("zalando",), lambda d, c: c.update(args=["--patroni.timeout", "3s"]))),
        ("Zalando sidecar with a probe (the operator drops it)",
         first_exporter(("zalando",), lambda d, c: c.update(livenessProbe={"httpGet": {"port": "metrics"}}))),
        ("Percona instance without dataVolumeClaimSpec",
         first_of({"PerconaPGCluster"}, lambda d: d["spec"]["instances"][0].pop("dataVolumeClaimSpec"))),
        ("ServiceMonitor on a missing port",
         first_of({"ServiceMonitor"}, lambda d: d["spec"]["endpoints"][0].update(port="web"))),
        ("ServiceMonitor scheme ftp", first_of({"ServiceMonitor"},
                                               lambda d: d["spec"]["endpoints"][0].update(scheme="ftp"))),
        ("ServiceMonitor scheme HTTPS (0.84.1 takes lower case only)",
         first_of({"ServiceMonitor"}, lambda d: d["spec"]["endpoints"][0].update(scheme="HTTPS"))),
        ("ServiceMonitor https on a plain-HTTP exporter", first_of({"ServiceMonitor"}, lambda d: d["spec"][
            "endpoints"][0].update(scheme="https", tlsConfig={"serverName": "x"}))),
        ("PodMonitor with endpoints instead of podMetricsEndpoints",
         first_of({"PodMonitor"}, lambda d: d["spec"].update(endpoints=d["spec"].pop("podMetricsEndpoints")))),
        ("PodMonitor tlsConfig with a file name (not in SafeTLSConfig)",
         first_of({"PodMonitor"}, lambda d: d["spec"]["podMetricsEndpoints"][0].update(
             tlsConfig={"caFile": "/etc/ca.pem"}))),
        ("PodMonitor selecting other pods",
         first_of({"PodMonitor"}, lambda d: d["spec"]["selector"]["matchLabels"].update(application="other"))),
        ("PodMonitor interval 1m30 (no unit)",
         first_of({"PodMonitor"}, lambda d: d["spec"]["podMetricsEndpoints"][0].update(interval="1m30"))),
        ("no metadata.name", first_of(set(API_VERSIONS), lambda d: d["metadata"].pop("name", None))),
    ]
    out = [(f"{name}: {description}", mutated) for description, found in cases for name, mutated in found]
    for description, found in cases:
        if not found:
            out.append((f"(no file to break) {description}", None))

    rule = rules_as_prometheusrule_cache["rule"]
    if rule is not None:
        def broken_rule(description, fn):
            r = copy.deepcopy(rule)
            fn(r)
            out.append((f"rules/*.yml as a PrometheusRule: {description}", {"rules.yaml": [r]}))
        broken_rule("group without a name", lambda r: r["spec"]["groups"][0].pop("name"))
        broken_rule("rule with alert and record",
                    lambda r: r["spec"]["groups"][0]["rules"][0].update(alert="X", record="x:y"))
        broken_rule("rule without expr", lambda r: r["spec"]["groups"][0]["rules"][0].pop("expr"))
        broken_rule("`for: 5 minutes`", lambda r: r["spec"]["groups"][0]["rules"][0].update({"for": "5 minutes"}))
        broken_rule("groups repeated", lambda r: r["spec"]["groups"].append(r["spec"]["groups"][0]))

    def readme_block(marker, old, new):
        """The README with `old` replaced by `new` (new None: the block cut off at `old`) in the first yaml block
        containing `marker`; None if there is none."""
        for block in re.findall(r"```yaml\n(.*?)```", readme_text, re.S):
            if marker in block and old in block:
                changed = block[:block.index(old)] if new is None else block.replace(old, new, 1)
                return ("README", readme_text.replace(block, changed, 1))
        return None

    for description, marker, old, new in (
            ("an https ServiceMonitor endpoint without tlsConfig", "kind: ServiceMonitor", "tlsConfig:",
             "tlsConfigX:"),
            ("an https PodMonitor endpoint without tlsConfig", "kind: PodMonitor", "      tlsConfig:\n", None),
            ("a probe scheme in lower case", "fragment: Container", "scheme: HTTPS", "scheme: https"),
            ("HTTPS probes without --web.config.file", "fragment: Container", "  - --web.config.file\n",
             "  - --log.level\n"),
            ("a PodMonitor tlsConfig with caFile", "kind: PodMonitor", "ca:\n", "caFile: /etc/ca.pem\n        ca:\n"),
            ("a ServiceMonitor scheme HTTPS", "kind: ServiceMonitor", "scheme: https", "scheme: HTTPS")):
        out.append((f"README: {description}", readme_block(marker, old, new)))
    return out


rules_as_prometheusrule_cache = {"rule": None}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--rules-dir", required=True)
    parser.add_argument("--exporter", required=True)
    parser.add_argument("--project-version", required=True)
    parser.add_argument("--uid", type=int, required=True)
    parser.add_argument("--web-certs-dir", required=True, help="tests/testdata/web_config/certs")
    args = parser.parse_args()
    known = pkgtest.help_flags(args.exporter)
    schemas = k8s_schema.Schemas()
    files = sorted(p for p in glob.glob(os.path.join(args.dir, "**", "*.y*ml"), recursive=True)
                   if os.path.basename(p) != "kustomization.yaml")
    if not files:
        sys.exit(f"no YAML in {args.dir}")
    docs_by_file = {}
    checker = Checker(known, args.project_version, args.uid, schemas, exporter=args.exporter,
                      certs_dir=args.web_certs_dir)
    for path in files:
        name = os.path.relpath(path, args.dir)
        try:
            with open(path, encoding="utf-8") as fh:
                docs_by_file[name] = list(yaml.safe_load_all(fh))
        except yaml.YAMLError as e:
            checker.f.fail(f"{name}: does not parse: {e}")
    exporters = checker.check_tree(docs_by_file)
    checker.f.check(exporters >= 4, f"expected the sidecar, per-cluster, Zalando and Percona examples, found "
                                    f"{exporters} exporter containers")
    kinds = {d.get("kind") for docs in docs_by_file.values() for d in docs if isinstance(d, dict)}
    for kind in ("ServiceMonitor", "PodMonitor", "postgresql", "PerconaPGCluster"):
        checker.f.check(kind in kinds, f"no {kind} among the examples")

    rule = rules_as_prometheusrule(args.rules_dir)
    rules_as_prometheusrule_cache["rule"] = rule
    checker.f.check(bool(rule["spec"]["groups"]), f"no rule groups in {args.rules_dir}/*.yml")
    checker.check_file("rules/*.yml as a PrometheusRule", [rule])

    readme_path = os.path.join(args.dir, "README.md")
    with open(readme_path, encoding="utf-8") as fh:
        readme = fh.read()
    blocks = checker.check_readme("README.md", readme)
    checker.f.check(blocks >= 3, f"README.md: expected the TLS examples (3 or more yaml blocks), found {blocks}")

    caught = 0
    for description, mutated in mutations(docs_by_file, readme):
        if mutated is None:
            checker.f.fail(f"a broken copy could not be made: {description}")
            continue
        probe = Checker(known, args.project_version, args.uid, schemas)
        if isinstance(mutated, tuple):
            probe.check_readme("README.md", mutated[1])
        else:
            # The whole tree, with the one file replaced: a monitor in one file may select pods of another.
            probe.check_tree(dict(docs_by_file, **mutated))
        if checker.f.check(bool(probe.f.items), f"a broken copy passed the checks: {description}"):
            caught += 1
    for line in checker.started:
        print(line)
    return checker.f.finish(f"{len(files)} files, {sum(len(d) for d in docs_by_file.values())} documents, "
                            f"{exporters} exporter containers, {blocks} README examples, the rules as a "
                            f"PrometheusRule; {caught} broken copies caught")


if __name__ == "__main__":
    sys.exit(main())
