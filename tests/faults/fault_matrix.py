#!/usr/bin/python3
"""Fault matrix: the real patroni_exporter binary against a hostile fake Patroni (fault_server.py).

    tests/faults/fault_matrix.py --exporter build/patroni_exporter [--markdown OUT.md] [--slack 1.0]

One exporter process (--patroni.url at one fake member, --log.level debug) serves every case in turn; the fake's
behaviour per path changes between cases. For each case the driver scrapes /metrics with
X-Prometheus-Scrape-Timeout-Seconds and asserts:
  - the scrape answered 200 within the deadline (the header's value, times --slack for slow sanitizer builds);
  - the up gauges: patroni_up{target} and patroni_cluster_up{target} as the case expects, and
    patroni_exporter_collector_success{collector="patroni"};
  - the warn log line `msg="Patroni target failed" target=<url>[/endpoint] err=...` with the expected reason
    (or none, for a degraded but usable answer);
  - the families the case must keep (the other endpoints' data) and the ones it must drop;
  - the process is alive, and the next scrape with the fault removed is healthy again (up 1).
Then, for every field of the documented /patroni schema (the union of the fields of the fixtures in
tests/testdata/patroni, see its README), a body where that one field has the wrong type: the scrape answers,
exactly that field's samples are gone (never a made-up 0), every other sample of the member is unchanged.
At the end: every request the fake saw was a GET; RSS back within --rss-margin-kib of the baseline after the
100 MB bodies (reported, not compared, with --sanitized: ASan keeps freed memory); open file descriptors equal
to the baseline.
Prints a markdown table (fault | endpoint | what the exporter did | pass); exits 1 on any failure.
"""
import argparse
import copy
import datetime
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "support"))
from pyhelpers import Exporter, parse_logfmt, value  # noqa: E402
from fault_server import FaultServer, default_bodies, dumps, load_fixture, TESTDATA  # noqa: E402

STALLS = ("stall_before_headers", "stall_mid_body", "slow_drip")
SCRAPE_TIMEOUT = 1.5  # seconds, sent as X-Prometheus-Scrape-Timeout-Seconds

NODE_FAMILY = "patroni_primary"  # a /patroni family every healthy member has
CLUSTER_FAMILY = "patroni_cluster_members"
CONFIG_FAMILY = "patroni_config_ttl_seconds"
HISTORY_FAMILY = "patroni_history_timeline_switches"


class Case:
    def __init__(self, fault, endpoint, behaviour, up, cluster_up, err, keep=(), drop=(), body=None, check=None,
                 success=None):
        self.fault, self.endpoint, self.behaviour = fault, endpoint, behaviour
        self.up, self.cluster_up = up, cluster_up
        # The warn line's err: "GET /cluster: " (for endpoints other than /patroni) then this substring; None: no
        # warn line expected.
        self.err = err
        self.success = success if success is not None else (1 if err is None else 0)
        self.keep, self.drop = keep, drop
        self.body = body
        self.check = check


def transport_cases():
    """Faults of the transport and of HTTP: each on /patroni, and the ones that matter on the other endpoints."""
    p, c, cf, h = "/patroni", "/cluster", "/config", "/history"
    base = default_bodies("http://x")
    doc = json.loads(base[p])
    cases = []

    def on_patroni(fault, behaviour, err):
        if behaviour in STALLS:
            # /config and /history go out in the round after /patroni and /cluster (patroni_collector.h): a
            # /patroni that stalls until its timeout leaves them what remains of the deadline, which is enough for
            # a fast fake on some runs and not on others (then the log says "scrape deadline reached before the
            # request could start"). Both are right, so neither is asserted here.
            keep, drop = (CLUSTER_FAMILY,), (NODE_FAMILY,)
        else:
            keep, drop = (CLUSTER_FAMILY, CONFIG_FAMILY, HISTORY_FAMILY), (NODE_FAMILY,)
        cases.append(Case(fault, p, behaviour, 0, 1, err, keep=keep, drop=drop))

    def on_cluster(fault, behaviour, err):
        # /config and /history come from the seed whose /cluster is valid: none, so they are skipped.
        cases.append(Case(fault, c, behaviour, 1, 0, err, keep=(NODE_FAMILY,),
                          drop=(CLUSTER_FAMILY, CONFIG_FAMILY, HISTORY_FAMILY)))

    def on_config(fault, behaviour, err):
        cases.append(Case(fault, cf, behaviour, 1, 1, err, keep=(NODE_FAMILY, CLUSTER_FAMILY, HISTORY_FAMILY),
                          drop=(CONFIG_FAMILY,)))

    def on_history(fault, behaviour, err):
        cases.append(Case(fault, h, behaviour, 1, 1, err, keep=(NODE_FAMILY, CLUSTER_FAMILY, CONFIG_FAMILY),
                          drop=(HISTORY_FAMILY,)))

    # libcurl 7.88 (Debian 12) words ECONNREFUSED as "Couldn't connect to server".
    cases.append(Case("connection refused", "all", "refused", 0, 0, "Failed to connect to 127.0.0.1 port",
                      drop=(NODE_FAMILY, CLUSTER_FAMILY, CONFIG_FAMILY, HISTORY_FAMILY)))
    timed_out = "Operation timed out"
    table = [
        ("connection closed, no reply", "close_no_reply", "Empty reply from server"),
        ("reset before reply", "reset_before_reply", "Connection reset by peer"),
        ("reset mid-body (Content-Length)", "reset_mid_body", "Connection reset by peer"),
        ("reset mid-body (no Content-Length)", "reset_mid_body_no_length", "Connection reset by peer"),
        ("stall before headers", "stall_before_headers", timed_out),
        ("stall mid-body", "stall_mid_body", timed_out),
        ("slow drip, 1 byte / 100 ms", "slow_drip", timed_out),
        ("2xx with HTML", "html_200", 'invalid JSON (body starts with "<!DOCTYPE html>'),
        ("HTTP 500", "status_500", "unexpected HTTP status 500"),
        ("HTTP 503 with a valid body", "status_503_json", "unexpected HTTP status 503"),
        ("redirect to another host", "redirect_302", "unexpected HTTP status 302"),
        ("Content-Length longer than body", "length_too_long", "transfer closed with 1000 bytes remaining"),
        ("Content-Length shorter than body", "length_too_short", "invalid JSON"),
        ("negative Content-Length", "length_negative", "Invalid Content-Length"),
        ("gzip garbage, Content-Encoding: gzip", "gzip_garbage", "invalid JSON"),
        ("valid gzip never asked for", "gzip_valid_unasked", "invalid JSON"),
        ("100 MB body, no Content-Length", "body_100mb", "response body exceeds 8388608 bytes"),
        ("100 MB body, Content-Length: 100 MB", "body_100mb_with_length", "response body exceeds 8388608 bytes"),
        ("2 MB of response headers", "header_flood", "header"),
        ("not HTTP (an SSH banner)", "not_http", "HTTP"),
        ("200 with an empty body", "empty_200", "invalid JSON: empty body"),
        ("JSON nested 100,000 deep (arrays)", "deep_nesting", "nested deeper than 64 levels"),
        ("JSON nested 50,000 deep (objects)", "deep_nesting_objects", "nested deeper than 64 levels"),
        ("NaN literal", "nan_literal", "invalid JSON"),
        ("invalid UTF-8 in a string", "invalid_utf8", "invalid JSON"),
    ]
    for fault, behaviour, err in table:
        on_patroni(fault, behaviour, err)
    # The other endpoints: the transport faults that cost time or memory, and the content faults.
    for fault, behaviour, err in table:
        if behaviour in ("reset_mid_body", "stall_before_headers", "stall_mid_body", "html_200", "status_500",
                         "body_100mb", "deep_nesting", "invalid_utf8", "gzip_garbage"):
            on_cluster(fault, behaviour, err)
            on_config(fault, behaviour, err)
            on_history(fault, behaviour, err)

    # Degraded but usable bodies: parsed, with the unreadable part left out.
    text = base[p].decode()
    dup = text.replace("{", '{"state":"stopped","role":"replica","timeline":1,', 1)

    def dup_check(samples):
        if value(samples, "patroni_postgres_running") != 1 or value(samples, "patroni_primary") != 1:
            return "duplicate keys: expected the last value of each key to win (running primary)"
        if value(samples, "patroni_postgres_timeline") != doc["timeline"]:
            return "duplicate keys: timeline is not the last one sent"
        return None

    cases.append(Case("duplicate keys (last wins)", p, "body_as_is", 1, 1, None, keep=(NODE_FAMILY,),
                      body=dup.encode(), check=dup_check))
    # nlohmann::json refuses a number that overflows a double (error 406): the body is not JSON we can use.
    huge = text.replace(f'"timeline":{doc["timeline"]}', '"timeline":1e400', 1).replace(
        f'"dcs_last_seen":{doc["dcs_last_seen"]}', '"dcs_last_seen":-1e400', 1)

    cases.append(Case("numbers out of double range (1e400, -1e400)", p, "body_as_is", 0, 1,
                      "invalid JSON", keep=(CLUSTER_FAMILY,), drop=(NODE_FAMILY,), body=huge.encode()))
    big = text.replace(f'"location":{doc["xlog"]["location"]}', '"location":18446744073709551616', 1)

    def big_check(samples):
        # Printed with 16 significant digits, as prometheus-cpp does (collectors/exposition.cc).
        v = value(samples, "patroni_xlog_location")
        return None if v is not None and abs(v - 2.0**64) / 2.0**64 < 1e-15 else f"patroni_xlog_location is {v}"

    cases.append(Case("integer above 2^64", p, "body_as_is", 1, 1, None, keep=(NODE_FAMILY,), body=big.encode(),
                      check=big_check))
    return cases


# --- wrong types ------------------------------------------------------------------------------------------------
REQUIRED = {"state", "role", "patroni", "patroni.scope"}  # without them the body is no Patroni status: up 0
XLOG = ["patroni_xlog_location", "patroni_xlog_received_location", "patroni_xlog_replayed_location",
        "patroni_xlog_replayed_timestamp", "patroni_xlog_paused"]
STREAMING = ["patroni_postgres_streaming", "patroni_postgres_in_archive_recovery"]
TAG_LABELS = ["nofailover", "noloadbalance", "clonefrom", "nosync", "failover_priority"]
# Field -> the families whose sample for the member must disappear when the field has the wrong type. A field
# the table does not name fails the run: a new field in a fixture needs its expectation here.
DROPS = {
    # Version-gated families: 0 (or a sample at all) would be a guess.
    "patroni.version": ["patroni_version", "patroni_sync_standby", "patroni_failover_priority",
                        "patroni_failsafe_mode_enabled"] + STREAMING,
    "patroni.name": [],  # the name then comes from /cluster's member whose api_url is this target
    "postmaster_start_time": ["patroni_postmaster_start_time"],
    "server_version": ["patroni_postgres_server_version"] + STREAMING,
    "timeline": ["patroni_postgres_timeline"],
    "xlog": XLOG,
    "xlog.location": ["patroni_xlog_location"],
    "xlog.received_location": ["patroni_xlog_received_location"],
    "xlog.replayed_location": ["patroni_xlog_replayed_location"],
    "xlog.replayed_timestamp": ["patroni_xlog_replayed_timestamp"],
    "xlog.paused": ["patroni_xlog_paused"],
    "replication_state": STREAMING,
    "replication": [],  # no family reads it (the replication view comes from /cluster and PostgreSQL)
    "dcs_last_seen": ["patroni_dcs_last_seen"],
    "database_system_identifier": [],
    "cluster_unlocked": ["patroni_cluster_unlocked"],
    "failsafe_mode_is_active": ["patroni_failsafe_mode_is_active"],
    "pause": ["patroni_is_paused"],
    "pending_restart": ["patroni_pending_restart"],
    "pending_restart_reason": ["patroni_pending_restart_reason_info"],
    "quorum_standby": ["patroni_quorum_standby"],
    "sync_standby": ["patroni_sync_standby"],
    "watchdog_failed": ["patroni_watchdog_failed"],
    "scheduled_restart": ["patroni_scheduled_restart_timestamp_seconds"],
    "scheduled_restart.schedule": ["patroni_scheduled_restart_timestamp_seconds"],
    "tags": ["patroni_failover_priority"],
}
for _f in ("usename", "application_name", "client_addr", "state", "sync_state", "sync_priority"):
    DROPS[f"replication[].{_f}"] = []  # rows are parsed but no node family reads them
# Field -> (family, label) that must read "" (unknown) instead of the value, in an info family.
BLANKS = {
    "patroni.version": [("patroni_node_info", "version")],
    "database_system_identifier": [("patroni_node_info", "database_system_identifier")],
    "tags": [("patroni_node_tags_info", t) for t in TAG_LABELS],
}
for _t in TAG_LABELS:
    # patroni_failover_priority is computed from these two tags (0 with nofailover, else the priority).
    DROPS[f"tags.{_t}"] = ["patroni_failover_priority"] if _t in ("nofailover", "failover_priority") else []
    BLANKS[f"tags.{_t}"] = [("patroni_node_tags_info", _t)]


def fields_of(doc, prefix=""):
    """Every field path of a /patroni body: "xlog", "xlog.location", "replication[].state", ... Values inside
    pending_restart_reason are free-form (parameter names are keys) and shown as sent: only the field is typed."""
    out = []
    for key, v in doc.items():
        path = prefix + key
        out.append(path)
        if key == "pending_restart_reason":
            continue
        if isinstance(v, dict):
            out += fields_of(v, path + ".")
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            out += fields_of(v[0], path + "[].")
    return out


def wrong_values(v):
    """Two values of other types, the tempting ones first: a number as text, a boolean as 1, ..."""
    if isinstance(v, bool):
        return ["true" if v else "false", 1]
    if isinstance(v, (int, float)):
        return [str(v), True]
    if isinstance(v, str):
        return [12345, True]
    if isinstance(v, dict):
        return ["{}", []]
    if isinstance(v, list):
        return [{}, "[]"]
    return [[]]


def mutate(doc, path, new):
    doc = copy.deepcopy(doc)
    parts = path.split(".")
    node = doc
    for part in parts[:-1]:
        node = node[part[:-2]] if part.endswith("[]") else node[part]
        if isinstance(node, list):
            node = node[0]
    last = parts[-1]
    if last.endswith("[]"):
        last = last[:-2]
    node[last] = new
    return doc


def pick_fixtures():
    """field -> the fixture that shows it (preferring the newest Patroni), over every patroni_*.json fixture."""
    names = sorted((n for n in os.listdir(TESTDATA) if n.startswith("patroni_") and n.endswith(".json")),
                   key=lambda n: tuple(int(x) for x in n.rsplit("_v", 1)[1][:-5].split(".")), reverse=True)
    chosen = {}
    for name in names:
        for field in fields_of(load_fixture(name)):
            chosen.setdefault(field, name)
    return chosen


def member_samples(samples, name):
    return {k: v for k, v in samples.items() if ("name", name) in k[1] and not k[0].startswith("patroni_health")}


def expected_after(baseline, field):
    drops = set(DROPS[field])
    blanks = BLANKS.get(field, [])
    out = {}
    for (family, labels), v in baseline.items():
        if family in drops:
            continue
        blank = {label for fam, label in blanks if fam == family}
        labels = tuple((k, "" if k in blank else w) for k, w in labels)
        out[(family, labels)] = v
    return out


def describe_diff(expected, got):
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    changed = sorted(k for k in set(expected) & set(got) if expected[k] != got[k])
    parts = []
    if missing:
        parts.append("missing " + ", ".join(f[0] for f in missing[:4]))
    if extra:
        parts.append("unexpected " + ", ".join(f"{f[0]}{dict(f[1])}={got[f]}" for f in extra[:4]))
    if changed:
        parts.append("changed " + ", ".join(f"{f[0]}: {expected[f]} -> {got[f]}" for f in changed[:4]))
    return "; ".join(parts)


# --- the run --------------------------------------------------------------------------------------------------
class Matrix:
    def __init__(self, args):
        self.args = args
        self.rows = []
        self.failures = 0
        self.server = FaultServer(stall_seconds=30)
        self.url = self.server.url()
        self.server.bodies = default_bodies(self.url)
        self.exporter = Exporter(args.exporter, [f"--patroni.url={self.url}", "--log.level=debug",
                                                 "--patroni.timeout=5s", "--patroni.max-body-size=8MiB"])
        self.exporter.wait_ready()
        self.deadline = SCRAPE_TIMEOUT * args.slack

    def row(self, fault, endpoint, did, ok):
        self.rows.append((fault, endpoint, did, "pass" if ok else "**FAIL**"))
        if not ok:
            self.failures += 1
            print(f"FAIL: {fault} on {endpoint}: {did}", file=sys.stderr)

    def settled_fds(self, want):
        """Open descriptors once the last scrape's connection is closed: CivetWeb closes its side a moment after
        the client has read the answer, so one reading can count it. Reads until `want` is reached (a leak
        never gets there) or for a second, and returns the lowest count seen."""
        lowest = self.exporter.fds()
        for _ in range(20):
            if want is not None and lowest <= want:
                break
            time.sleep(0.05)
            lowest = min(lowest, self.exporter.fds())
        return lowest

    def scrape(self):
        return self.exporter.scrape(SCRAPE_TIMEOUT, timeout=SCRAPE_TIMEOUT * self.args.slack + 5)

    def healthy(self, what):
        """A scrape with no fault: up 1, cluster up, collector success. Returns an error or None."""
        status, samples, elapsed = self.scrape()
        bad = []
        if status != 200:
            bad.append(f"HTTP {status}")
        for name, labels in (("patroni_up", {"target": self.url}), ("patroni_cluster_up", {"target": self.url}),
                             ("patroni_exporter_collector_success", {"collector": "patroni"})):
            if value(samples, name, **labels) != 1:
                bad.append(f"{name}={value(samples, name, **labels)}")
        return f"not healthy {what}: " + ", ".join(bad) if bad else None

    def run_case(self, case):
        ex = self.exporter
        if case.behaviour == "refused":
            self.server.stop_listening()
        elif case.endpoint == "all":
            raise AssertionError(case.fault)
        else:
            self.server.set(case.endpoint, case.behaviour, case.body)
        mark = ex.mark()
        problems = []
        try:
            status, samples, elapsed = self.scrape()
        except OSError as e:
            status, samples, elapsed = 0, {}, float("inf")
            problems.append(f"no answer: {e}")
        if status != 200:
            problems.append(f"HTTP {status}")
        if elapsed > self.deadline:
            problems.append(f"answered in {elapsed:.2f} s, over the {self.deadline:.2f} s deadline")
        up = value(samples, "patroni_up", target=self.url)
        cluster_up = value(samples, "patroni_cluster_up", target=self.url)
        success = value(samples, "patroni_exporter_collector_success", collector="patroni")
        if up != case.up:
            problems.append(f"patroni_up={up}, expected {case.up}")
        if case.cluster_up is not None and cluster_up != case.cluster_up:
            problems.append(f"patroni_cluster_up={cluster_up}, expected {case.cluster_up}")
        want_success = case.success
        if success != want_success:
            problems.append(f"collector_success={success}, expected {want_success}")
        names = {k[0] for k in samples}
        for family in case.keep:
            if family not in names:
                problems.append(f"{family} missing")
        for family in case.drop:
            if family in names:
                problems.append(f"{family} present")
        if case.check:
            extra = case.check(samples)
            if extra:
                problems.append(extra)
        err = None
        if case.err is not None:
            suffix = "" if case.endpoint in ("/patroni", "all") else case.endpoint
            line = ex.wait_log(mark, lambda f: f.get("level") == "warn" and f.get("msg") == "Patroni target failed"
                               and f.get("target") == self.url + suffix)
            prefix = f"GET {suffix}: " if suffix else ""
            if line is None:
                problems.append("no warn line 'Patroni target failed' for " + self.url + suffix)
            else:
                err = parse_logfmt(line).get("err", "")
                if not err.startswith(prefix) or case.err not in err:
                    problems.append(f"err={err!r} is not {prefix!r}...{case.err!r}...")
        else:
            if ex.wait_log(mark, lambda f: f.get("level") in ("warn", "error"), timeout=0.2):
                problems.append("unexpected warn line: " + ex.log_since(mark)[-1])
        if not ex.alive():
            problems.append("exporter died")
        # Remove the fault; the next scrape must be healthy again.
        if case.behaviour == "refused":
            self.server.start_listening()
        self.server.clear()
        if ex.alive():
            recovered = self.healthy("after the fault")
            if recovered:
                problems.append(recovered)
        did = f"{elapsed:.2f} s; up {fmt(up)}, cluster_up {fmt(cluster_up)}"
        did += f"; warn: {err}" if err else "; no warn line"
        if problems:
            did += " -- " + "; ".join(problems)
        self.row(case.fault, case.endpoint, did.replace("|", "\\|"), not problems)

    def wrong_types(self):
        chosen = pick_fixtures()
        unknown = sorted(set(chosen) - REQUIRED - set(DROPS))
        if unknown:
            self.row("wrong type: fields without an expectation", "/patroni", ", ".join(unknown), False)
        by_fixture = {}
        for field, fixture in chosen.items():
            by_fixture.setdefault(fixture, []).append(field)
        counted = 0
        for fixture, fields in sorted(by_fixture.items()):
            doc = load_fixture(fixture)
            name = doc["patroni"].get("name", "postgresql0")
            bodies = default_bodies(self.url, doc, member_name=name)
            self.server.bodies = bodies
            status, samples, _ = self.scrape()
            baseline = member_samples(samples, name)
            if status != 200 or value(samples, "patroni_up", target=self.url) != 1 or not baseline:
                self.row(f"wrong type: baseline {fixture}", "/patroni", "baseline scrape not healthy", False)
                continue
            for field in fields:
                if field in unknown:
                    continue
                original = doc
                for part in field.split("."):
                    original = original[part[:-2]][0] if part.endswith("[]") else original[part]
                for wrong in wrong_values(original):
                    counted += 1
                    self.wrong_type_case(fixture, doc, name, baseline, field, wrong)
            self.server.bodies = default_bodies(self.url)
        return counted

    def wrong_type_case(self, fixture, doc, name, baseline, field, wrong):
        ex = self.exporter
        self.server.set("/patroni", "body_as_is", dumps(mutate(doc, field, wrong)))
        mark = ex.mark()
        problems = []
        status, samples, elapsed = self.scrape()
        up = value(samples, "patroni_up", target=self.url)
        if status != 200 or elapsed > self.deadline:
            problems.append(f"HTTP {status} in {elapsed:.2f} s")
        if field in REQUIRED:
            if up != 0:
                problems.append(f"patroni_up={up}, expected 0")
            line = ex.wait_log(mark, lambda f: f.get("level") == "warn" and f.get("target") == self.url
                               and "not a Patroni status" in f.get("err", ""))
            if not line:
                problems.append("no warn line 'not a Patroni status'")
            if member_samples(samples, name):
                problems.append("node samples exported from an invalid status")
            did = "up 0, warn: not a Patroni status"
        else:
            if up != 1:
                problems.append(f"patroni_up={up}, expected 1")
            diff = describe_diff(expected_after(baseline, field), member_samples(samples, name))
            if diff:
                problems.append(diff)
            # Top-level containers of the wrong type, and wrong scalars, each leave a debug line naming them.
            key = field.replace("[]", "[]")
            if not ex.wait_log(mark, lambda f: f.get("level") == "debug" and key in f.get("msg", "")
                               and "ignored" in f.get("msg", "")):
                problems.append(f"no debug line naming {field}")
            drops = DROPS[field]
            blanks = [label for _, label in BLANKS.get(field, [])]
            did = "up 1; " + (("dropped " + ", ".join(drops)) if drops else "no family reads it")
            if blanks:
                did += "; label " + ", ".join(blanks) + ' = ""'
        if not ex.alive():
            problems.append("exporter died")
        self.server.clear()
        if field in REQUIRED:
            # The warn line comes on each change of a target's failure reason: recover before the next variant.
            self.scrape()
        if problems:
            did += " -- " + "; ".join(problems)
        self.row(f"wrong type: `{field}` = `{json.dumps(wrong)}` ({fixture.split('_v')[-1][:-5]})", "/patroni",
                 did.replace("|", "\\|"), not problems)

    def run(self):
        ex = self.exporter
        for _ in range(20):
            self.healthy("at start")
        err = self.healthy("at start")
        if err:
            self.row("healthy baseline", "all", err, False)
        rss0, fds0 = ex.rss_kib(), self.settled_fds(None)
        start = time.monotonic()
        peak = rss0
        for case in transport_cases():
            self.run_case(case)
            if ex.alive():
                peak = max(peak, ex.rss_kib())
        n_wrong = self.wrong_types()
        # Memory and descriptors: back to the baseline once the faults are gone.
        for _ in range(20):
            self.healthy("at the end")
        rss1 = ex.rss_kib()
        fds1 = self.settled_fds(fds0)
        rss = f"RSS {rss0} KiB before, {peak} KiB peak, {rss1} KiB after"
        if self.args.sanitized:
            # ASan's allocator quarantines freed blocks and keeps its pages, so RSS after the 100 MB bodies says
            # nothing about leaks here; LeakSanitizer does, at exit (the SIGTERM row below wants exit 0).
            self.rows.append(("memory after every fault (incl. 100 MB bodies)", "all",
                              rss + " (sanitizer build: not compared; LeakSanitizer checks at exit)", "n/a"))
        else:
            self.row("memory after every fault (incl. 100 MB bodies)", "all",
                     f"{rss} (margin {self.args.rss_margin_kib} KiB)", rss1 <= rss0 + self.args.rss_margin_kib)
        self.row("file descriptors after every fault", "all", f"{fds0} before, {fds1} after", fds1 <= fds0)
        methods = self.server.methods()
        others = sorted({m for m in methods if m != "GET"})
        self.row("only GET requests", "all",
                 f"{len(methods)} requests recorded, methods {sorted(set(methods))}; "
                 f"{self.server.silent_connections} connections closed before a request was sent",
                 bool(methods) and not others)
        rc, stop_s = ex.stop()
        self.row("SIGTERM after the matrix", "-", f"exit {rc} in {stop_s:.2f} s", rc == 0 and stop_s < 2.0)
        self.server.close()
        self.elapsed = time.monotonic() - start
        self.n_wrong = n_wrong


def fmt(v):
    return "absent" if v is None else f"{v:g}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--exporter", required=True, help="path of the patroni_exporter binary under test")
    p.add_argument("--slack", type=float, default=1.0,
                   help="multiplies the time limits (e.g. 3 for an ASan build); the deadline itself is unchanged")
    p.add_argument("--rss-margin-kib", type=int, default=4096)
    p.add_argument("--sanitized", action="store_true",
                   help="the binary is an ASan build: RSS is reported, not compared (LeakSanitizer checks at exit)")
    p.add_argument("--markdown", help="also write the table to this file")
    args = p.parse_args()
    m = Matrix(args)
    try:
        m.run()
    finally:
        if m.exporter.alive():
            m.exporter.stop()
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"Fault matrix, {when}, {platform.node()} ({platform.machine()}, {os.cpu_count()} CPUs), "
             f"`{os.path.basename(args.exporter)}`, scrape timeout {SCRAPE_TIMEOUT} s, "
             f"{len(m.rows)} rows ({m.n_wrong} wrong-type bodies) in {m.elapsed:.0f} s: "
             f"{'all pass' if not m.failures else str(m.failures) + ' FAILED'}", "",
             "| fault | endpoint | what the exporter did | pass |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in m.rows]
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    return 1 if m.failures else 0


if __name__ == "__main__":
    sys.exit(main())
