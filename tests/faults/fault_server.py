#!/usr/bin/python3
"""A fault-injecting fake Patroni REST API: raw sockets and threads, Python 3 stdlib only.

Not a mock of the exporter's code: a real TCP server on 127.0.0.1 that answers each GET with a *behaviour*
chosen per path, from well-formed Patroni answers (HTTP/1.0, no Content-Length, connection closed after the
body, as Patroni's BaseHTTPRequestHandler does) to the hostile ones the fault matrix needs: resets mid-body,
stalls before headers or mid-body, lies about Content-Length, gzip garbage, a 100 MB body, and so on.

Every request's method and path is recorded (`requests`), whatever the behaviour, so a test can prove the
exporter only ever sends GET. The listening socket can be closed and reopened on the same port
(`stop_listening`/`start_listening`): connection refused, then a target that comes up.

Used by tests/faults/fault_matrix.py, tests/faults/lifecycle.py, tests/e2e/e2e_golden.py and bench/soak.py. Run alone for manual poking:
    tests/faults/fault_server.py --port 18008 --fault /patroni=stall_headers
"""
import argparse
import gzip
import json
import os
import socket
import struct
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.join(os.path.dirname(HERE), "testdata", "patroni")


def load_fixture(name):
    with open(os.path.join(TESTDATA, name), "rb") as f:
        return json.loads(f.read())


def dumps(doc):
    # Patroni sends its bodies on one line.
    return json.dumps(doc, separators=(",", ":")).encode()


def head(status="200 OK", content_type="application/json", extra=""):
    return (f"HTTP/1.0 {status}\r\nServer: BaseHTTP/0.6 Python/3.11.2\r\nContent-Type: {content_type}\r\n{extra}\r\n"
            .encode())


def reset(sock):
    # SO_LINGER on with a zero timeout: close() sends RST instead of FIN.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class FaultServer:
    """One fake member on 127.0.0.1:port. routes: path -> (behaviour name, body bytes or None for the default)."""

    # The behaviours: each gets (server, socket, body) and answers one request.
    BEHAVIOURS = {}

    def __init__(self, port=0, bodies=None, stall_seconds=30.0):
        self.bodies = dict(bodies or {})  # path -> default body (bytes)
        self.routes = {}
        self.stall_seconds = stall_seconds
        self.lock = threading.Lock()
        self.requests = []  # (method, path) of every request, in arrival order
        self.connections = 0
        self.silent_connections = 0  # closed by the client before it sent anything
        self.release = threading.Event()  # set on close(): stalled handlers give up
        self.listener = None
        self.port = port
        self.accept_thread = None
        self.start_listening()

    # --- control -------------------------------------------------------------------------------------------
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def set(self, path, behaviour, body=None):
        if behaviour not in self.BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour}")
        with self.lock:
            self.routes[path] = (behaviour, body)

    def clear(self):
        with self.lock:
            self.routes.clear()

    def methods(self):
        with self.lock:
            return [m for m, _ in self.requests]

    def start_listening(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(128)
        self.port = s.getsockname()[1]
        self.listener = s
        self.accept_thread = threading.Thread(target=self._accept, args=(s,), daemon=True)
        self.accept_thread.start()

    def stop_listening(self):
        # shutdown() wakes the accept() of the other thread; connections then get refused.
        s, self.listener = self.listener, None
        if s is None:
            return
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()
        self.accept_thread.join(2)

    def close(self):
        self.release.set()
        self.stop_listening()

    # --- serving -------------------------------------------------------------------------------------------
    def _accept(self, listener):
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
            if not data:
                # Connected and hung up without a byte: the client's deadline ran out between connect and send.
                # Not a request, so not in `requests`; counted apart.
                with self.lock:
                    self.connections += 1
                    self.silent_connections += 1
                return
            line = data.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
            method = line[0] if line else ""
            path = line[1].split("?", 1)[0] if len(line) > 1 else ""
            with self.lock:
                self.requests.append((method, path))
                self.connections += 1
                behaviour, body = self.routes.get(path, ("ok", None))
            if body is None:
                body = self.bodies.get(path)
            if body is None:
                behaviour, body = "not_found", b"{}"
            conn.settimeout(None)
            self.BEHAVIOURS[behaviour](self, conn, body)
        except OSError:
            pass  # the exporter hung up first (a body over its cap, its deadline): expected in many faults
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def stall(self, seconds=None):
        self.release.wait(self.stall_seconds if seconds is None else seconds)


def behaviour(name):
    def register(fn):
        FaultServer.BEHAVIOURS[name] = fn
        return fn

    return register


@behaviour("ok")
def _ok(server, conn, body):
    conn.sendall(head() + body)


@behaviour("not_found")
def _not_found(server, conn, body):
    conn.sendall(head("404 Not Found") + body)


@behaviour("close_no_reply")
def _close_no_reply(server, conn, body):
    pass  # request read, connection closed: "Empty reply from server"


@behaviour("reset_before_reply")
def _reset_before_reply(server, conn, body):
    reset(conn)


@behaviour("reset_mid_body")
def _reset_mid_body(server, conn, body):
    conn.sendall(head(extra=f"Content-Length: {len(body)}\r\n") + body[: len(body) // 2])
    time.sleep(0.05)
    reset(conn)


@behaviour("reset_mid_body_no_length")
def _reset_mid_body_no_length(server, conn, body):
    # Patroni's own framing (no Content-Length): only the RST tells a cut body from a whole one.
    conn.sendall(head() + body[: len(body) // 2])
    time.sleep(0.05)
    reset(conn)


@behaviour("stall_before_headers")
def _stall_before_headers(server, conn, body):
    server.stall()


@behaviour("stall_mid_body")
def _stall_mid_body(server, conn, body):
    conn.sendall(head(extra=f"Content-Length: {len(body)}\r\n") + body[: len(body) // 2])
    server.stall()


@behaviour("slow_drip")
def _slow_drip(server, conn, body):
    # One byte every 100 ms: never idle long, never done within a scrape deadline.
    conn.sendall(head(extra=f"Content-Length: {len(body)}\r\n"))
    for i in range(len(body)):
        if server.release.wait(0.1):
            return
        conn.sendall(body[i : i + 1])


@behaviour("slow_ok")
def _slow_ok(server, conn, body):
    # A healthy answer, 300 ms late (a loaded Patroni).
    if server.release.wait(0.3):
        return
    conn.sendall(head() + body)


@behaviour("html_200")
def _html_200(server, conn, body):
    conn.sendall(head(content_type="text/html")
                 + b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")


@behaviour("status_500")
def _status_500(server, conn, body):
    conn.sendall(head("500 Internal Server Error", "text/plain") + b"Internal Server Error\n")


@behaviour("status_503_json")
def _status_503_json(server, conn, body):
    # A valid body with a 5xx status: the status decides, the body is not used.
    conn.sendall(head("503 Service Unavailable") + body)


@behaviour("redirect_302")
def _redirect_302(server, conn, body):
    conn.sendall(head("302 Found", "text/html", "Location: http://169.254.169.254/latest/meta-data/\r\n"))


@behaviour("length_too_long")
def _length_too_long(server, conn, body):
    conn.sendall(head(extra=f"Content-Length: {len(body) + 1000}\r\n") + body)


@behaviour("length_too_short")
def _length_too_short(server, conn, body):
    conn.sendall(head(extra=f"Content-Length: {len(body) // 2}\r\n") + body)


@behaviour("length_negative")
def _length_negative(server, conn, body):
    conn.sendall(head(extra="Content-Length: -5\r\n") + body)


@behaviour("gzip_garbage")
def _gzip_garbage(server, conn, body):
    conn.sendall(head(extra="Content-Encoding: gzip\r\n") + b"\x1f\x8b\x08\x00" + os.urandom(2048))


@behaviour("gzip_valid_unasked")
def _gzip_valid_unasked(server, conn, body):
    # Well-formed gzip of a valid body the exporter never asked to be compressed.
    conn.sendall(head(extra="Content-Encoding: gzip\r\n") + gzip.compress(body))


def _stream_100mb(conn, with_length):
    total = 100 << 20
    extra = f"Content-Length: {total}\r\n" if with_length else ""
    conn.sendall(head(extra=extra))
    prefix = b'{"state":"running","role":"replica","patroni":{"scope":"batman"},"pad":"'
    conn.sendall(prefix)
    chunk = b"x" * (1 << 16)
    sent = len(prefix)
    while sent < total:
        conn.sendall(chunk)
        sent += len(chunk)


@behaviour("body_100mb")
def _body_100mb(server, conn, body):
    _stream_100mb(conn, with_length=False)


@behaviour("body_100mb_with_length")
def _body_100mb_with_length(server, conn, body):
    _stream_100mb(conn, with_length=True)


@behaviour("header_flood")
def _header_flood(server, conn, body):
    conn.sendall(b"HTTP/1.0 200 OK\r\n")
    for i in range(2000):
        conn.sendall(f"X-Flood-{i}: {'y' * 1000}\r\n".encode())
    conn.sendall(b"\r\n" + body)


@behaviour("not_http")
def _not_http(server, conn, body):
    conn.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")


@behaviour("empty_200")
def _empty_200(server, conn, body):
    conn.sendall(head())


@behaviour("deep_nesting")
def _deep_nesting(server, conn, body):
    conn.sendall(head() + b'{"state":"running","role":"replica","x":' + b"[" * 100000 + b"]" * 100000 + b"}")


@behaviour("deep_nesting_objects")
def _deep_nesting_objects(server, conn, body):
    conn.sendall(head() + b'{"a":' * 50000 + b"1" + b"}" * 50000)


@behaviour("invalid_utf8")
def _invalid_utf8(server, conn, body):
    # An overlong encoding and a lone continuation byte at the start of the first string (a key, in /history's
    # array of arrays a value); the rest of the body is valid.
    at = body.index(b'"') + 1
    doc = body[:at] + b"\xc0\xaf\x80" + body[at:]
    conn.sendall(head() + doc)


@behaviour("nan_literal")
def _nan_literal(server, conn, body):
    doc = json.loads(body)
    doc["timeline"] = float("nan")  # json.dumps writes NaN: not JSON
    conn.sendall(head() + json.dumps(doc).encode())


@behaviour("body_as_is")
def _body_as_is(server, conn, body):
    # The body given with set() is sent verbatim (duplicate keys, huge numbers, wrong types).
    conn.sendall(head() + body)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--fault", action="append", default=[], help="PATH=BEHAVIOUR, e.g. /patroni=stall_mid_body")
    args = p.parse_args()
    server = FaultServer(args.port)
    server.bodies = default_bodies(server.url())
    for spec in args.fault:
        path, name = spec.split("=", 1)
        server.set(path, name)
    print(json.dumps({"url": server.url(), "behaviours": sorted(FaultServer.BEHAVIOURS)}), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    server.close()


def default_bodies(url, patroni_doc=None, member_name="postgresql0"):
    """Real fixture bodies (tests/testdata/patroni, see its README) for /patroni, /cluster, /config, /history.

    /cluster lists this server as the member `member_name` (its api_url), so the exporter names the member the
    same way whether or not /patroni says its name."""
    patroni = patroni_doc if patroni_doc is not None else load_fixture("patroni_primary_v4.1.0.json")
    cluster = load_fixture("cluster_lsn_v4.1.0.json")
    cluster["members"][0]["api_url"] = url + "/patroni"
    cluster["members"][0]["name"] = member_name
    return {
        "/patroni": dumps(patroni),
        "/cluster": dumps(cluster),
        "/config": dumps(load_fixture("config_failsafe_v4.1.0.json")),
        "/history": dumps(load_fixture("history_five-element-rows_v4.1.0.json")),
    }


if __name__ == "__main__":
    main()
