"""Python helpers shared by the tests and the benchmarks: free ports, the real exporter as a child process, its
exposition and logs, golden files.

Imported by tests/faults/, tests/rules/, tests/dashboards/, tests/web/, tests/packaging/, tests/e2e/ and bench/,
each of which puts this directory on sys.path first (so a fresh clone runs them as they are). Python 3 standard
library only.

Exporter: the binary on a free 127.0.0.1 port, every stderr line (logfmt) kept with its arrival time, scraped over
plain HTTP/1.0 sockets (so a scrape's own timeout is ours, not a library's), its RSS and open file descriptors read
from /proc.
"""
import difflib
import os
import re
import signal
import socket
import subprocess
import threading
import time


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now (bound once, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port, proc=None, timeout=10.0, tls=False):
    """Waits until something on 127.0.0.1:`port` accepts connections and, without TLS, answers GET /-/healthy
    with 200. Raises RuntimeError when `proc` (a Popen) exits first or `timeout` passes."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode} before answering on port {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if tls:
                    return
                s.sendall(b"GET /-/healthy HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                if s.recv(64).split(b" ", 2)[1:2] == [b"200"]:
                    return
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"nothing answered /-/healthy on 127.0.0.1:{port} within {timeout} s")


def update_goldens():
    """True when UPDATE_GOLDEN=1: golden checks rewrite their files instead of comparing (review the diff), as
    the C++ golden tests do (tests/support/golden.h)."""
    return os.environ.get("UPDATE_GOLDEN") == "1"


def compare_with_golden(text, path):
    """None when `text` equals the file at `path` byte for byte, else a message that says how they differ. With
    UPDATE_GOLDEN=1 rewrites the file instead and returns None (review the diff before committing)."""
    if update_goldens():
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        print(f"rewrote {path}")
        return None
    try:
        with open(path, encoding="utf-8", newline="") as f:
            golden = f.read()
    except OSError as e:
        return f"golden {path} unreadable ({e}); UPDATE_GOLDEN=1 writes it"
    if text == golden:
        return None
    diff = difflib.unified_diff(golden.splitlines(True), text.splitlines(True), path, "this run", n=1)
    return f"golden {path} differs; UPDATE_GOLDEN=1 rewrites it:\n" + "".join(list(diff)[:60])


_LOGFMT = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')


def parse_logfmt(line):
    fields = {}
    for key, value in _LOGFMT.findall(line):
        if value.startswith('"'):
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        fields[key] = value
    return fields


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_exposition(text):
    """{(name, ((label, value), ...)): value} of every sample; labels in the order printed."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            raise ValueError(f"unparseable exposition line: {line!r}")
        labels = tuple(_LABEL.findall(m.group(2) or ""))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples


def value(samples, name, **labels):
    """The value of the one sample of `name` whose labels include `labels`; None when there is none."""
    found = [v for (n, ls), v in samples.items() if n == name and all((k, w) in ls for k, w in labels.items())]
    if len(found) > 1:
        raise ValueError(f"{name}{labels}: {len(found)} samples")
    return found[0] if found else None


class Exporter:
    def __init__(self, binary, args, env=None):
        self.port = free_port()
        self.lines = []  # (monotonic time, text)
        self.lock = threading.Lock()
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen([binary, f"--web.listen-address=127.0.0.1:{self.port}", *args],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     env=full_env)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stderr:
            with self.lock:
                self.lines.append((time.monotonic(), raw.decode("utf-8", "replace").rstrip("\n")))

    def wait_ready(self, timeout=10.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"exporter exited with {self.proc.returncode}: {self.log_text()}")
            try:
                status, _, _ = self.get("/-/healthy", timeout=1)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError("exporter did not answer /-/healthy")

    def get(self, path, scrape_timeout=None, timeout=30.0):
        """(status, body text, seconds) of one GET; raises OSError (socket.timeout) past `timeout`."""
        start = time.monotonic()
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            headers = f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n"
            if scrape_timeout is not None:
                headers += f"X-Prometheus-Scrape-Timeout-Seconds: {scrape_timeout}\r\n"
            s.sendall((headers + "\r\n").encode())
            data = b""
            while True:
                chunk = s.recv(1 << 16)
                if not chunk:
                    break
                data += chunk
        elapsed = time.monotonic() - start
        head, _, body = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
        return status, body.decode("utf-8", "replace"), elapsed

    def scrape(self, scrape_timeout=None, timeout=30.0):
        status, body, elapsed = self.get("/metrics", scrape_timeout, timeout)
        return status, parse_exposition(body) if status == 200 else {}, elapsed

    def mark(self):
        with self.lock:
            return len(self.lines)

    def log_since(self, mark):
        with self.lock:
            return [text for _, text in self.lines[mark:]]

    def wait_log(self, mark, predicate, timeout=2.0):
        """The first line after `mark` whose parsed fields satisfy `predicate`, or None after `timeout`."""
        end = time.monotonic() + timeout
        while True:
            for line in self.log_since(mark):
                if predicate(parse_logfmt(line)):
                    return line
            if time.monotonic() >= end:
                return None
            time.sleep(0.02)

    def log_text(self):
        with self.lock:
            return "\n".join(text for _, text in self.lines[-20:])

    def alive(self):
        return self.proc.poll() is None

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def fds(self):
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def threads(self):
        return len(os.listdir(f"/proc/{self.proc.pid}/task"))

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Sends `sig`; returns (exit code, seconds to exit). Kills the process if it outlives `timeout`."""
        if self.proc.poll() is not None:
            return self.proc.returncode, 0.0
        start = time.monotonic()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        elapsed = time.monotonic() - start
        self.reader.join(2)
        return rc, elapsed
