#!/usr/bin/python3
"""An event-driven fake Patroni fleet: ONE process, one listening socket per member on 127.0.0.1.

Each member answers like Patroni's REST API does (HTTP/1.0, no Content-Length, connection closed after the
body) with real bodies from tests/testdata/patroni/:
  GET /patroni   patroni_primary_v4.1.0.json (member 0) or patroni_replica_v4.1.0.json, `patroni.name` rewritten
                 to the member's name (left out with --no-member-names, as before Patroni 3.2: the exporter then
                 names each member from /cluster); answered --delay-ms after the request arrived (the only delayed
                 endpoint)
  GET /cluster   cluster_lsn_v4.1.0.json's leader and streaming-replica entries, one per member, each `api_url`
                 http://127.0.0.1:PORT/patroni (so the exporter's discovery finds every member); never delayed
  GET /config    config_failsafe_v4.1.0.json; GET /history: history_five-element-rows_v4.1.0.json; never delayed
Member 0 is the seed. With --cluster-size S the members form clusters of S (scope clusterC, members C*S to
C*S+S-1, the first of each is its leader and seed, and its /cluster lists only them). Control (on the control port, also HTTP/1.0):
  GET /stats     {"requests": {"<member index>": {"/patroni": n, ...}}, "total": n, "max_concurrent": n,
                  "late_ms": most a delayed answer went out after its due time (this process too busy)}
  GET /reset     zero the counters
On start it prints one JSON line to stdout: {"seed": URL, "seeds": [URL per cluster], "control": URL,
"members": N, "ports": [...]}.
Stops on SIGTERM/SIGINT. One thread, one epoll loop, no framework: asyncio's per-connection machinery made the
fake itself the bottleneck at 500 members (a threaded fake is worse; docs/performance.md, "Performance traps").
"""
import argparse
import collections
import errno
import heapq
import json
import os
import resource
import select
import signal
import socket
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTDATA = os.path.join(ROOT, "tests", "testdata", "patroni")
IN, OUT = select.EPOLLIN, select.EPOLLOUT


def load(name):
    with open(os.path.join(TESTDATA, name)) as f:
        return json.load(f)


def http10(body, status="200 OK", content_type="application/json"):
    # Patroni's BaseHTTPRequestHandler: HTTP/1.0, the connection closes after the body, no Content-Length.
    return (f"HTTP/1.0 {status}\r\nServer: BaseHTTP/0.6 Python/3.11.2\r\nContent-Type: {content_type}\r\n\r\n"
            .encode() + body)


class Fleet:
    def __init__(self, members, delay_ms, cluster_size=0, names=True):
        self.delay = delay_ms / 1000.0
        size = cluster_size if cluster_size > 0 else members
        self.counts = collections.defaultdict(collections.Counter)
        self.total = self.concurrent = self.max_concurrent = 0
        self.late = 0.0
        self.listeners = {}  # fd -> (socket, member index; -1 for control)
        for i in range(members):
            self.listen(i)
        self.ports = [s.getsockname()[1] for s, _ in self.listeners.values()]
        self.control_port = self.listen(-1).getsockname()[1]
        primary, replica = load("patroni_primary_v4.1.0.json"), load("patroni_replica_v4.1.0.json")
        cluster = load("cluster_lsn_v4.1.0.json")
        leader_entry, replica_entry = cluster["members"][0], cluster["members"][1]
        self.patroni, self.cluster_of, clusters = [], [], []
        for i, port in enumerate(self.ports):
            c, leader = i // size, i % size == 0
            if leader:
                clusters.append([])
            scope = "batman" if size == members else f"cluster{c}"
            name = f"member{i:04d}"
            status = dict(primary if leader else replica)
            status["patroni"] = dict(status["patroni"], name=name, scope=scope)
            if not names:  # as Patroni before 3.2 answers: the exporter names the member from /cluster
                del status["patroni"]["name"]
            self.patroni.append(http10(json.dumps(status, indent=2).encode()))
            entry = dict(leader_entry if leader else replica_entry)
            entry.update(name=name, api_url=f"http://127.0.0.1:{port}/patroni", host="127.0.0.1")
            clusters[c].append(entry)
            self.cluster_of.append(c)
        self.seeds = [self.ports[c * size] for c in range(len(clusters))]
        self.clusters = []
        for c, entries in enumerate(clusters):
            view = dict(cluster, members=entries, scope="batman" if size == members else f"cluster{c}")
            self.clusters.append(http10(json.dumps(view, indent=2).encode()))
        self.config = http10(json.dumps(load("config_failsafe_v4.1.0.json"), indent=2).encode())
        self.history = http10(json.dumps(load("history_five-element-rows_v4.1.0.json")).encode())
        self.not_found = http10(b'{"error": "not found"}', "404 Not Found")

    def listen(self, index):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(4096)
        s.setblocking(False)
        self.listeners[s.fileno()] = (s, index)
        return s

    def stats(self):
        return {"requests": {str(i): dict(c) for i, c in self.counts.items()}, "total": self.total,
                "max_concurrent": self.max_concurrent, "late_ms": round(self.late * 1000, 1)}

    def answer(self, index, target):
        """(response bytes, delayed?) for a request line's target on member `index` (-1: control)."""
        path, _, _ = target.partition("?")
        if index < 0:
            if path == "/reset":
                self.counts.clear()
                self.total = 0
                self.max_concurrent = self.concurrent
                self.late = 0.0
            return http10(json.dumps(self.stats()).encode()), False
        self.counts[index][path] += 1
        self.total += 1
        if path == "/patroni":
            self.concurrent += 1
            self.max_concurrent = max(self.max_concurrent, self.concurrent)
            return self.patroni[index], self.delay > 0
        if path == "/cluster":
            return self.clusters[self.cluster_of[index]], False
        if path == "/config":
            return self.config, False
        if path == "/history":
            return self.history, False
        return self.not_found, False


def serve(fleet):
    ep = select.epoll()
    for fd in fleet.listeners:
        ep.register(fd, IN)
    conns = {}  # fd -> [socket, member index, request bytes, response bytes or None, sent, counted]
    timers = []  # (due, seq, fd, connection)
    seq = 0

    def on_signal(*_):
        raise SystemExit(0)  # interrupts a blocking poll (a flag alone would wait for the next event)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)

    def close(fd):
        c = conns.pop(fd)
        if c[5]:
            fleet.concurrent -= 1
        try:
            ep.unregister(fd)
        except (OSError, ValueError):
            pass
        c[0].close()

    def send(fd):
        c = conns[fd]
        try:
            c[4] += c[0].send(memoryview(c[3])[c[4]:])
        except BlockingIOError:
            pass
        except OSError:
            close(fd)
            return
        if c[4] >= len(c[3]):
            close(fd)
        else:
            ep.modify(fd, OUT)

    while True:
        timeout = -1
        if timers:
            timeout = max(0.0, timers[0][0] - time.monotonic())
        try:
            events = ep.poll(timeout, 1024)
        except InterruptedError:
            continue
        now = time.monotonic()
        while timers and timers[0][0] <= now:
            due, _, fd, c = heapq.heappop(timers)
            fleet.late = max(fleet.late, now - due)
            if conns.get(fd) is c:  # not closed meanwhile (the fd number may be another connection's by now)
                send(fd)
        for fd, mask in events:
            if fd in fleet.listeners:
                sock, index = fleet.listeners[fd]
                while True:
                    try:
                        conn, _ = sock.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError as e:
                        if e.errno in (errno.EMFILE, errno.ENFILE):
                            break
                        raise
                    conn.setblocking(False)
                    conns[conn.fileno()] = [conn, index, b"", None, 0, False]
                    ep.register(conn.fileno(), IN)
                continue
            c = conns.get(fd)
            if c is None:
                continue
            if mask & OUT:
                send(fd)
                continue
            try:
                data = c[0].recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                close(fd)
                continue
            c[2] += data
            if b"\r\n\r\n" not in c[2] or c[3] is not None:
                if len(c[2]) > 65536:
                    close(fd)
                continue
            target = c[2].split(b" ", 2)[1].decode("latin-1")
            c[3], delayed = fleet.answer(c[1], target)
            c[5] = c[1] >= 0 and target.startswith("/patroni")
            if delayed:
                ep.modify(fd, 0)
                seq += 1
                heapq.heappush(timers, (now + fleet.delay, seq, fd, c))
            else:
                send(fd)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--delay-ms", type=float, default=100.0)
    parser.add_argument("--cluster-size", type=int, default=0, help="members per cluster (default: one cluster)")
    parser.add_argument("--no-member-names", action="store_true",
                        help="GET /patroni without patroni.name, as before Patroni 3.2")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 3 * args.members + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if want < 2 * args.members + 64:
        sys.exit(f"RLIMIT_NOFILE hard limit {hard} is too low for {args.members} members")
    fleet = Fleet(args.members, args.delay_ms, args.cluster_size, names=not args.no_member_names)
    print(json.dumps({"seed": f"http://127.0.0.1:{fleet.ports[0]}",
                      "seeds": [f"http://127.0.0.1:{port}" for port in fleet.seeds],
                      "control": f"http://127.0.0.1:{fleet.control_port}", "members": args.members,
                      "ports": fleet.ports}), flush=True)
    serve(fleet)


if __name__ == "__main__":
    main()
