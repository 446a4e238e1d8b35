"""Helpers shared by the bench/*.py scripts: start and stop processes by PID, timed GETs, /proc figures.

Everything talks to 127.0.0.1 only. Every process started here is stopped by its own PID (Process.stop()).
"""
import http.client
import json
import os
import resource
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from pyhelpers import free_port, wait_healthy  # noqa: E402,F401 (free_port also for the bench scripts)
EXPORTER = os.environ.get("EXPORTER", os.path.join(ROOT, "build", "patroni_exporter"))
BENCH_BIN = os.environ.get("BENCH_BIN", os.path.join(os.path.dirname(EXPORTER), "bench"))  # micro_bench & co
PYTHON = "/usr/bin/python3"
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGESIZE")


def get(host, port, path, timeout=30):
    """(milliseconds, status, body) of one GET on a fresh TCP connection."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        status = response.status
    finally:
        conn.close()
    return (time.perf_counter() - start) * 1000, status, body


def get_parallel(host, port, paths, timeout=30):
    """Milliseconds for GETs of all `paths` at once (one fresh connection each, non-blocking sockets), answered
    in full: what a lean client needs for one round of concurrent requests."""
    start = time.perf_counter()
    selector = selectors.DefaultSelector()
    for path in paths:
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((host, port))
        selector.register(s, selectors.EVENT_WRITE, [path.encode(), 0])
    open_ = len(paths)
    while open_:
        events = selector.select(timeout)
        if not events:
            raise TimeoutError(f"GET {paths} on {host}:{port}")
        for key, mask in events:
            s, state = key.fileobj, key.data
            if mask & selectors.EVENT_WRITE:
                s.send(b"GET " + state[0] + b" HTTP/1.1\r\nHost: " + host.encode() + b"\r\nConnection: close\r\n\r\n")
                selector.modify(s, selectors.EVENT_READ, state)
                continue
            data = s.recv(65536)
            state[1] += len(data)
            if not data:
                selector.unregister(s)
                s.close()
                open_ -= 1
                if state[1] == 0:
                    raise ConnectionError(f"empty answer to GET {state[0]} on {host}:{port}")
    selector.close()
    return (time.perf_counter() - start) * 1000


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def med(values):
    return statistics.median(values)


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))


class Process:
    """A child process we started; stop() ends it by its PID (SIGTERM, then SIGKILL after a bounded wait)."""

    def __init__(self, argv, env=None, stdout=None):
        self.argv = argv
        self.proc = subprocess.Popen(argv, env=env, stdout=stdout, preexec_fn=raise_nofile)
        self.pid = self.proc.pid

    def stop(self, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def cpu(self):
        """(user seconds, system seconds) so far."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) / TICKS, int(fields[12]) / TICKS

    def status(self, key):
        """A kB figure of /proc/PID/status (VmRSS, VmHWM, RssAnon, RssFile, Threads), in MB (Threads: count)."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    value = int(line.split()[1])
                    return value if key == "Threads" else value / 1024
        raise KeyError(key)

    def rss(self):
        return self.status("VmRSS")


class Exporter(Process):
    def __init__(self, args, env=None, binary=None):
        self.port = free_port()
        argv = [binary or EXPORTER, "--web.listen-address", f"127.0.0.1:{self.port}", "--log.level", "error"] + args
        super().__init__(argv, env=env)
        try:
            wait_healthy(self.port, self.proc, timeout=10)
        except RuntimeError as e:
            self.stop()
            sys.exit(f"exporter: {e}: {' '.join(argv)}")

    def scrape(self, path="/metrics"):
        ms, status, body = get("127.0.0.1", self.port, path)
        if status != 200:
            raise RuntimeError(f"exporter answered {status}")
        return ms, body


class Fleet(Process):
    """bench/fake_fleet.py: N fake members in one event-driven process."""

    def __init__(self, members, delay_ms, cluster_size=0):
        super().__init__([PYTHON, os.path.join(ROOT, "bench", "fake_fleet.py"), "--members", str(members),
                          "--delay-ms", str(delay_ms), "--cluster-size", str(cluster_size)], stdout=subprocess.PIPE)
        info = json.loads(self.proc.stdout.readline())
        self.seed = info["seed"]
        self.seeds = info["seeds"]
        self.ports = info["ports"]
        self.control_port = int(info["control"].rsplit(":", 1)[1])

    def control(self, path):
        return json.loads(get("127.0.0.1", self.control_port, path)[2])


def count_up(body, name=b"patroni_up{"):
    """(targets up, targets listed) in an exposition."""
    up = total = 0
    for line in body.splitlines():
        if line.startswith(name):
            total += 1
            up += line.endswith(b" 1")
    return up, total


def section(title):
    print()
    print(f"## {title}")
    sys.stdout.flush()
