#!/usr/bin/env python3
"""The real exporter binary's own endpoint with --web.config.file, checked from outside with curl and raw sockets.
No lab: the exporter points at a closed port (its Patroni target is simply down). Each check is its own ctest.

  corpus      every tests/testdata/web_config/valid/*.yml is accepted by `promtool check web-config` and the
              exporter starts with it and answers; every invalid/*.yml is rejected by promtool and the exporter
              exits 2 at startup with one line containing the file's `# error:` text
  tls         HTTPS answers many sequential and concurrent requests, the process survives (Debian's CivetWeb
              crashed on the first one); plain HTTP to the HTTPS port gets no HTTP answer
  client-cert RequireAndVerifyClientCert: no certificate and a certificate of another CA are refused in the
              handshake, the right one gets 200; VerifyClientCertIfGiven lets a client without one in
  basic-auth  401 with WWW-Authenticate without or with wrong credentials, 200 with right ones, /-/healthy open,
              the configured headers on every response
  bounds      an oversized request head gets 413 or a closed connection; 15 slowloris clients (one byte a second,
              or nothing) do not delay a scrape; the request timeout closes a silent client; prints the figures
  reload      without a restart: a new certificate and key (openssl, made here) reach the next TLS connection, a
              changed basic-auth password the next request; a broken file keeps the last good one; SIGHUP rereads
  large       a scrape whose text is far larger than the 64 KiB the endpoint copies behind its headers (one fake
              Patroni on 127.0.0.1 listing 400 members in /cluster, discovery off, so nobody else is asked): over
              HTTP and HTTPS the whole text arrives, as long as its Content-Length, every member's series in it
  systemd-socket
              socket activation through systemd-socket-activate (package systemd): it binds 127.0.0.1:PORT, waits
              for a first connection, then execs the exporter with the socket as descriptor 3 (LISTEN_FDS=1,
              LISTEN_PID its own pid); that queued connection and later ones are answered; without the variables or
              with another pid's the exporter refuses to start with a clear line. Exit 77 (skipped) without the tool.

Usage: web_endpoint_test.py CHECK --exporter build/patroni_exporter --testdata tests/testdata [--promtool P]
"""
import argparse
import concurrent.futures
import glob
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "support"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "faults"))
from fault_server import FaultServer, dumps, load_fixture  # noqa: E402
from pyhelpers import free_port, wait_healthy  # noqa: E402

CERTS = None


class Exporter:
    """The exporter on a free 127.0.0.1 port; stopped by its own PID."""

    def __init__(self, binary, web_config=None, extra=()):
        self.port = free_port()
        argv = [binary, "--patroni.url", "http://127.0.0.1:1", "--web.listen-address", f"127.0.0.1:{self.port}"]
        if web_config:
            argv += ["--web.config.file", web_config]
        self.proc = subprocess.Popen(argv + list(extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def wait_listening(self, timeout=10):
        try:
            wait_healthy(self.port, self.proc, timeout, tls=True)  # accepting connections; TLS or not
            return True
        except RuntimeError:
            return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.stderr.read()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def curl(url, *options, timeout=10):
    """(HTTP status or 0, curl exit code, headers+body)."""
    r = subprocess.run(["curl", "-s", "-i", "--max-time", str(timeout), "-w", "\n%{http_code}", *options, url],
                       capture_output=True, text=True)
    lines = r.stdout.rsplit("\n", 1)
    code = int(lines[-1]) if lines[-1].isdigit() else 0
    return code, r.returncode, lines[0] if len(lines) > 1 else ""


def tls_url(port, path="/metrics"):
    return f"https://localhost:{port}{path}"


def cacert():
    return ["--cacert", os.path.join(CERTS, "ca.pem")]


class Failures(list):
    def check(self, ok, message):
        if not ok:
            self.append(message)
        return ok


def check_corpus(args, f):
    root = os.path.join(args.testdata, "web_config")
    valid = sorted(glob.glob(os.path.join(root, "valid", "*.yml")))
    invalid = sorted(glob.glob(os.path.join(root, "invalid", "*.yml")))
    f.check(len(valid) >= 10 and len(invalid) >= 20, f"corpus too small: {len(valid)} valid, {len(invalid)} invalid")
    for path in valid:
        name = os.path.relpath(path, root)
        p = subprocess.run([args.promtool, "check", "web-config", path], capture_output=True, text=True)
        f.check(p.returncode == 0, f"{name}: promtool rejects it: {p.stdout.strip()} {p.stderr.strip()}")
        with Exporter(args.exporter, path) as e:
            if not e.wait_listening():
                f.append(f"{name}: the exporter did not start: {e.stop().strip()}")
                continue
            # HTTPS when the file names a certificate; the test client's certificate satisfies every
            # client_auth_type of the corpus.
            scheme = "https" if "cert_file: ../" in open(path, encoding="utf-8").read() else "http"
            client = ["--cert", os.path.join(CERTS, "client.pem"), "--key", os.path.join(CERTS, "client.key")]
            code, _, _ = curl(f"{scheme}://localhost:{e.port}/-/healthy", *cacert(), *client)
            f.check(code == 200, f"{name}: /-/healthy answered {code}")
    for path in invalid:
        name = os.path.relpath(path, root)
        expected = open(path, encoding="utf-8").readline().partition("# error:")[2].strip()
        f.check(expected, f"{name}: no '# error:' line")
        p = subprocess.run([args.promtool, "check", "web-config", path], capture_output=True, text=True)
        f.check(p.returncode != 0, f"{name}: promtool accepts it")
        e = Exporter(args.exporter, path)
        try:
            rc = e.proc.wait(10)
        except subprocess.TimeoutExpired:
            rc = None
        err = e.stop()
        f.check(rc == 2, f"{name}: exporter exit status {rc}, expected 2")
        first = err.splitlines()[0] if err else ""
        f.check(first.startswith("patroni_exporter: error: --web.config.file ") and expected in first,
                f"{name}: message {first!r} lacks {expected!r}")
    print(f"corpus: {len(valid)} valid and {len(invalid)} invalid files agree with promtool")


def check_tls(args, f):
    config = os.path.join(args.testdata, "web_config", "valid", "tls.yml")
    with Exporter(args.exporter, config) as e:
        f.check(e.wait_listening(), "exporter with TLS did not start")
        n = 200
        urls = []
        for _ in range(n):
            urls += [tls_url(e.port, "/-/healthy")]
        # One curl process, 200 HTTPS connections (the server closes each: Connection: close).
        r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}\n", *cacert(), *urls],
                           capture_output=True, text=True, timeout=120)
        codes = r.stdout.split()
        f.check(codes.count("200") == n, f"{n} sequential HTTPS requests: {codes.count('200')} answered 200")
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            results = list(pool.map(lambda _: curl(tls_url(e.port), *cacert())[0], range(64)))
        f.check(results.count(200) == 64, f"64 concurrent HTTPS scrapes: {results.count(200)} answered 200")
        code, rc, _ = curl(f"http://localhost:{e.port}/metrics", timeout=5)
        f.check(code != 200, "plain HTTP to the HTTPS port answered 200")
        if e.proc.poll() is not None:
            f.append(f"exporter died: {e.stop()}")
    print(f"tls: {n} sequential and 64 concurrent HTTPS requests answered, process alive")


def check_client_cert(args, f):
    root = os.path.join(args.testdata, "web_config", "valid")
    cert = lambda name: ["--cert", os.path.join(CERTS, f"{name}.pem"), "--key", os.path.join(CERTS, f"{name}.key")]
    with Exporter(args.exporter, os.path.join(root, "tls_require_and_verify.yml")) as e:
        f.check(e.wait_listening(), "exporter with client certificates did not start")
        code, rc, _ = curl(tls_url(e.port), *cacert())
        f.check(code == 0 and rc != 0, f"no client certificate: HTTP {code}, curl exit {rc} (expected a refusal)")
        code, rc, _ = curl(tls_url(e.port), *cacert(), *cert("other-client"))
        f.check(code == 0 and rc != 0, f"certificate of another CA: HTTP {code}, curl exit {rc}")
        for _ in range(20):
            code, rc, _ = curl(tls_url(e.port), *cacert(), *cert("client"))
            if not f.check(code == 200, f"right client certificate: HTTP {code}, curl exit {rc}"):
                break
        if e.proc.poll() is not None:
            f.append(f"exporter died: {e.stop()}")
    with Exporter(args.exporter, os.path.join(root, "tls_verify_if_given.yml")) as e:
        f.check(e.wait_listening(), "exporter with VerifyClientCertIfGiven did not start")
        f.check(curl(tls_url(e.port), *cacert())[0] == 200, "VerifyClientCertIfGiven: no certificate refused")
        f.check(curl(tls_url(e.port), *cacert(), *cert("client"))[0] == 200, "VerifyClientCertIfGiven: right one")
        code, rc, _ = curl(tls_url(e.port), *cacert(), *cert("other-client"))
        f.check(code == 0, f"VerifyClientCertIfGiven: another CA's certificate got HTTP {code}")
    print("client-cert: required/verified certificates enforced in the handshake")


def check_basic_auth(args, f):
    config = os.path.join(args.testdata, "web_config", "valid", "everything.yml")
    with Exporter(args.exporter, config) as e:
        f.check(e.wait_listening(), "exporter with basic auth did not start")
        code, _, text = curl(tls_url(e.port), *cacert())
        f.check(code == 401, f"no credentials: {code}")
        f.check("WWW-Authenticate: Basic" in text, "401 without WWW-Authenticate: Basic")
        f.check("X-Frame-Options: deny" in text and "Strict-Transport-Security: max-age=31536000" in text,
                "configured headers missing from the 401")
        f.check(curl(tls_url(e.port), *cacert(), "-u", "prometheus:wrong")[0] == 401, "wrong password not 401")
        f.check(curl(tls_url(e.port), *cacert(), "-u", "nobody:scrape-secret")[0] == 401, "unknown user not 401")
        code, _, text = curl(tls_url(e.port), *cacert(), "-u", "prometheus:scrape-secret")
        f.check(code == 200 and "patroni_exporter_build_info" in text, f"right credentials: {code}")
        f.check("X-Content-Type-Options: nosniff" in text, "configured headers missing from the 200")
        f.check(curl(tls_url(e.port, "/"), *cacert(), "-u", "prometheus:scrape-secret")[0] == 200, "/ with auth")
        f.check(curl(tls_url(e.port, "/"), *cacert())[0] == 401, "/ is not protected")
        f.check(curl(tls_url(e.port, "/-/healthy"), *cacert())[0] == 200, "/-/healthy needs credentials")
    print("basic-auth: 401/200 as configured, headers on every response")


def make_key_pair(directory, name):
    """A self-signed certificate for localhost and 127.0.0.1 with its key: (cert path, key path, DER bytes)."""
    cert, key = os.path.join(directory, f"{name}.pem"), os.path.join(directory, f"{name}.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-days", "1", "-subj", f"/CN={name}", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key, ssl.PEM_cert_to_DER_cert(open(cert, encoding="ascii").read())


def bcrypt_hash(password):
    """$2b$ at cost 4 through libxcrypt (Python's crypt module), as htpasswd -B would make it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
        return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))


def served_certificate(port):
    """The DER certificate a new TLS connection to 127.0.0.1:port is given (not verified: it is what we check)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            return tls.getpeercert(binary_form=True)


def replace_file(path, text):
    """Writes next to it and renames over it, as configuration management and cert-manager do."""
    with open(path + ".new", "w", encoding="ascii") as out:
        out.write(text)
    os.replace(path + ".new", path)


def write_web_config(path, password_hash):
    replace_file(path, "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n"
                       f"basic_auth_users:\n  prometheus: \"{password_hash}\"\n")


def check_reload(args, f):
    with tempfile.TemporaryDirectory(prefix="web-reload-") as tmp:
        first = make_key_pair(tmp, "first")
        second = make_key_pair(tmp, "second")
        f.check(first[2] != second[2], "the two certificates are the same")
        shutil.copy(first[0], os.path.join(tmp, "server.pem"))
        shutil.copy(first[1], os.path.join(tmp, "server.key"))
        config = os.path.join(tmp, "web.yml")
        write_web_config(config, bcrypt_hash("old-secret"))
        url = f"https://127.0.0.1:{{}}/metrics"
        with Exporter(args.exporter, config) as e:
            if not f.check(e.wait_listening(), "exporter with TLS and basic auth did not start"):
                return
            url = url.format(e.port)
            pid = e.proc.pid
            f.check(served_certificate(e.port) == first[2], "before the rotation: not the first certificate")
            f.check(curl(url, "-k", "-u", "prometheus:old-secret")[0] == 200, "old password refused before the change")

            # Rotation: key first, then certificate (both renamed over the old files), then a new password.
            replace_file(os.path.join(tmp, "server.key"), open(second[1], encoding="ascii").read())
            replace_file(os.path.join(tmp, "server.pem"), open(second[0], encoding="ascii").read())
            write_web_config(config, bcrypt_hash("new-secret"))
            served = served_certificate(e.port)
            f.check(served == second[2], "after the rotation a new connection did not get the new certificate")
            f.check(curl(url, "-k", "-u", "prometheus:new-secret")[0] == 200, "new password refused after the change")
            f.check(curl(url, "-k", "-u", "prometheus:old-secret")[0] == 401, "old password still accepted")
            for _ in range(10):  # every later connection too, not just the first
                f.check(served_certificate(e.port) == second[2], "a later connection got the old certificate")

            # A broken file: logged, the last good configuration stays.
            replace_file(config, "tls_server_config: [\n")
            f.check(curl(url, "-k", "-u", "prometheus:new-secret")[0] == 200, "a broken file cut off the last good one")
            f.check(served_certificate(e.port) == second[2], "a broken file changed the certificate")

            # SIGHUP rereads at once (and the fixed file is taken).
            write_web_config(config, bcrypt_hash("third-secret"))
            os.kill(pid, signal.SIGHUP)
            time.sleep(0.5)
            f.check(curl(url, "-k", "-u", "prometheus:third-secret")[0] == 200, "password after SIGHUP refused")
            f.check(e.proc.poll() is None and e.proc.pid == pid, "the exporter restarted or died")
            log = e.stop()
        f.check("cannot reload the web config, keeping the previous one" in log, "the broken file was not logged")
        f.check(log.count("cannot reload the web config") == 1, "the broken file was logged more than once")
        f.check("SIGHUP: rereading the web config" in log, "SIGHUP not logged")
        f.check(log.count("web config reloaded") >= 2, "reloads not logged")
    print("reload: certificate, key and password replaced without a restart; broken file kept out; SIGHUP rereads")


def large_cluster_bodies(members):
    """/patroni, /cluster, /config, /history of Patroni 3.0.2 fixtures, /cluster grown to `members` members whose
    api_url points at a closed port on 127.0.0.1 (discovery is off: nothing asks them)."""
    cluster = load_fixture("cluster_baseline_v3.0.2.json")
    template = cluster["members"][1]  # a replica
    cluster["members"] = [cluster["members"][0]] + [
        dict(template, name=f"member-{i:04d}", api_url="http://127.0.0.1:1/patroni", port=10000 + i)
        for i in range(members - 1)]
    return {"/patroni": dumps(load_fixture("patroni_baseline-primary_v3.0.2.json")), "/cluster": dumps(cluster),
            "/config": dumps(load_fixture("config_baseline_v3.0.2.json")),
            "/history": dumps(load_fixture("history_baseline_v3.0.2.json"))}


def check_large(args, f):
    members = 400
    patroni = FaultServer(bodies=large_cluster_bodies(members))  # a fake Patroni answering like Patroni
    try:
        for scheme, web_config in (("http", None),
                                   ("https", os.path.join(args.testdata, "web_config", "valid", "tls.yml"))):
            extra = ["--patroni.url", patroni.url(), "--patroni.discovery", "off"]
            with Exporter(args.exporter, web_config, extra) as e, tempfile.TemporaryDirectory() as tmp:
                if not e.wait_listening():
                    f.append(f"{scheme}: the exporter did not start: {e.stop().strip()}")
                    continue
                url = tls_url(e.port) if scheme == "https" else f"http://127.0.0.1:{e.port}/metrics"
                headers, body = os.path.join(tmp, "headers"), os.path.join(tmp, "body")
                r = subprocess.run(["curl", "-s", "--max-time", "30", "-D", headers, "-o", body, *cacert(), url],
                                   capture_output=True, text=True)
                if not f.check(r.returncode == 0, f"{scheme}: curl exit {r.returncode}: {r.stderr.strip()}"):
                    continue
                head = open(headers, encoding="latin-1").read().lower()
                text = open(body, "rb").read()
                length = [line.split(":", 1)[1].strip() for line in head.splitlines()
                          if line.startswith("content-length:")]
                f.check(head.startswith("http/1.1 200"), f"{scheme}: status line {head.splitlines()[:1]}")
                f.check(length == [str(len(text))], f"{scheme}: Content-Length {length}, body {len(text)} bytes")
                f.check(len(text) > 256 * 1024, f"{scheme}: body of {len(text)} bytes, expected far above 64 KiB")
                f.check(text.endswith(b"\n"), f"{scheme}: the body does not end with a newline")
                roles = text.count(b"\npatroni_cluster_member_role{")
                f.check(roles == members * 6, f"{scheme}: {roles} patroni_cluster_member_role series, "
                                              f"expected {members * 6}")
                f.check(b'member="member-0398"' in text, f"{scheme}: the last member is missing")
                print(f"large: {scheme} scrape of {len(text)} bytes arrived whole ({roles} role series)")
    finally:
        patroni.close()


def check_systemd_socket(args, f):
    activate = shutil.which("systemd-socket-activate")
    if activate is None:
        print("systemd-socket-activate not found (package systemd): skipped")
        sys.exit(77)
    port = free_port()
    argv = [activate, "-l", f"127.0.0.1:{port}", args.exporter, "--web.systemd-socket",
            "--patroni.url", "http://127.0.0.1:1"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # systemd-socket-activate listens first and execs the exporter on the first connection: this request is
        # queued on the socket before the exporter exists, and is answered by it.
        deadline = time.time() + 10
        code = 0
        while time.time() < deadline and code != 200:
            code = curl(f"http://127.0.0.1:{port}/-/healthy", timeout=10)[0]
            if code != 200:
                time.sleep(0.1)
        f.check(code == 200, f"the first (queued) connection got {code}")
        code, _, text = curl(f"http://127.0.0.1:{port}/metrics")
        f.check(code == 200 and "patroni_up" in text, f"/metrics over the inherited socket: {code}")
        f.check(proc.poll() is None, "the exporter died")
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    log = proc.stderr.read()
    f.check("address=systemd:127.0.0.1:" in log, f"the start line does not name the systemd socket: {log[:500]}")
    f.check(proc.returncode == 0, f"exit status {proc.returncode} after SIGTERM")

    base = [args.exporter, "--web.systemd-socket", "--patroni.url", "http://127.0.0.1:1"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LISTEN_")}
    r = subprocess.run(base, capture_output=True, text=True, timeout=10, env=env)
    f.check(r.returncode == 1 and "LISTEN_PID and LISTEN_FDS are not set" in r.stderr,
            f"without the variables: exit {r.returncode}, {r.stderr.strip()!r}")
    r = subprocess.run(base, capture_output=True, text=True, timeout=10, env={**env, "LISTEN_PID": "1", "LISTEN_FDS": "1"})
    f.check(r.returncode == 1 and "meant for process 1" in r.stderr,
            f"another process's sockets: exit {r.returncode}, {r.stderr.strip()!r}")
    print("systemd-socket: the connection queued before the exporter started and later ones answered; bad "
          "activation refused")


def slow_client(port, mode, stop, opened):
    """One slowloris connection: 'trickle' sends a request head a byte a second, 'silent' sends nothing."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
    except OSError:
        return "connect failed"
    opened.append(s)
    head = b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 200 + b"\r\n\r\n"
    start = time.time()
    try:
        for i in range(len(head)):
            if stop[0]:
                return "stopped"
            if mode == "trickle":
                s.sendall(head[i:i + 1])
            time.sleep(1)
            s.setblocking(False)
            try:
                if s.recv(1, socket.MSG_PEEK) == b"":
                    return f"closed by the server after {time.time() - start:.1f} s"
            except BlockingIOError:
                pass
            except OSError:
                return f"reset by the server after {time.time() - start:.1f} s"
            finally:
                s.setblocking(True)
    except OSError:
        return f"closed by the server after {time.time() - start:.1f} s"
    return "never closed"


def timed_scrape(port):
    start = time.time()
    code = curl(f"http://127.0.0.1:{port}/metrics", timeout=30)[0]
    return code, time.time() - start


def check_bounds(args, f):
    with Exporter(args.exporter) as e:
        f.check(e.wait_listening(), "exporter did not start")
        # Oversized head: 20 KiB of headers against the 8 KiB bound.
        code, rc, _ = curl(f"http://127.0.0.1:{e.port}/metrics", "-H", "X-Big: " + "a" * 20000)
        f.check(code in (0, 413, 431, 400), f"oversized request head answered {code}")
        print(f"bounds: a 20 KiB request head gets HTTP {code or 'nothing (connection closed)'}")
        headers = []
        for i in range(100):
            headers += ["-H", f"X-H{i}: v"]
        code, rc, _ = curl(f"http://127.0.0.1:{e.port}/metrics", *headers)
        print(f"bounds: 100 header lines get HTTP {code or 'nothing (connection closed)'}")
        f.check(code != 200 or e.proc.poll() is None, "100 headers broke the server")
        f.check(timed_scrape(e.port)[0] == 200, "no scrape after the oversized requests")

        stop, opened = [False], []
        slow = 15
        with concurrent.futures.ThreadPoolExecutor(slow) as pool:
            futures = [pool.submit(slow_client, e.port, "trickle" if i % 2 else "silent", stop, opened)
                       for i in range(slow)]
            time.sleep(2)
            times = []
            for _ in range(5):
                code, took = timed_scrape(e.port)
                f.check(code == 200, f"scrape with {slow} slow clients: HTTP {code}")
                times.append(took)
            print(f"bounds: with {slow} slowloris clients (16 workers) scrapes took "
                  f"{', '.join(f'{t * 1000:.0f} ms' for t in times)}")
            f.check(max(times) < 2.0, f"a scrape waited {max(times):.1f} s behind {slow} slow clients")
            outcomes = [fu.result() for fu in futures]
        stop[0] = True
        closed = [o for o in outcomes if o.startswith(("closed", "reset"))]
        print(f"bounds: slow clients' fate: {sorted(set(outcomes))}")
        f.check(len(closed) == slow, f"not every slow client was cut off by the request timeout: {outcomes}")
        for s in opened:
            s.close()
        f.check(e.proc.poll() is None, "exporter died")


def main():
    global CERTS
    parser = argparse.ArgumentParser()
    parser.add_argument("check", choices=["corpus", "tls", "client-cert", "basic-auth", "bounds", "reload",
                                          "systemd-socket", "large"])
    parser.add_argument("--exporter", required=True)
    parser.add_argument("--testdata", required=True)
    parser.add_argument("--promtool", default="promtool")
    args = parser.parse_args()
    CERTS = os.path.join(args.testdata, "web_config", "certs")
    f = Failures()
    {"corpus": check_corpus, "tls": check_tls, "client-cert": check_client_cert, "basic-auth": check_basic_auth,
     "bounds": check_bounds, "reload": check_reload, "systemd-socket": check_systemd_socket,
     "large": check_large}[args.check](args, f)
    for item in f:
        print("FAIL: " + item)
    return 1 if f else 0


if __name__ == "__main__":
    sys.exit(main())
