"""Helpers shared by the packaging checks: --help parsing, systemd's EnvironmentFile and ExecStart rules, and a
short-lived exporter on a free 127.0.0.1 port (always stopped by its own PID)."""
import os
import re
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "support"))
from pyhelpers import free_port  # noqa: E402,F401 (also pkgtest.free_port for the checks)


class Failures:
    """Collects failures so one run reports all of them; exit status 1 if any."""

    def __init__(self):
        self.items = []

    def check(self, condition, message):
        if not condition:
            self.items.append(message)
        return condition

    def fail(self, message):
        self.items.append(message)

    def finish(self, ok_message):
        for item in self.items:
            print("FAIL: " + item)
        if self.items:
            return 1
        print("OK: " + ok_message)
        return 0


def help_flags(exporter):
    """Flags of `exporter --help`: {flag: default or None}. `--a,--no-a{false}=true` gives both names."""
    out = subprocess.run([exporter, "--help"], check=True, capture_output=True, text=True, timeout=10).stdout
    flags = {}
    for line in out.splitlines():
        if not re.match(r"^  -", line):
            continue
        first = line.split()[0]
        default = None
        m = re.match(r"^([^\s{=]+)(\{[^}]*\})?(?:=(\S+))?", first)
        names, default = m.group(1), m.group(3)
        if default is None and len(line.split()) > 1:
            # "--patroni.timeout DURATION=5s": the default follows the value type.
            m2 = re.match(r"^[A-Z]+=(\S+)", line.split()[1])
            if m2:
                default = m2.group(1)
        for name in names.split(","):
            flags[name] = default
    if "--help" not in flags or len(flags) < 5:
        sys.exit(f"cannot read the flags of {exporter} --help:\n{out}")
    return flags


def flags_in(words):
    """The flag names among command-line words (`--a=b` counts as `--a`)."""
    return [w.split("=", 1)[0] for w in words if w.startswith("-") and not re.match(r"^-?\d", w)]


def read_environment_file(path):
    """systemd's EnvironmentFile= syntax: {KEY: value}, plus a list of lines it would reject.

    KEY=VALUE per line; '#' or ';' starts a comment line; a value may be in double quotes (backslash escapes) or
    single quotes; a trailing backslash continues the line. No `export`, no expansion of $VARIABLES."""
    env, problems = {}, []
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        number, line = i + 1, lines[i]
        while line.endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line[:-1] + lines[i]
        i += 1
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", stripped)
        if not m:
            problems.append(f"{path}:{number}: not KEY=VALUE: {stripped}")
            continue
        key, raw = m.group(1), m.group(2).strip()
        if raw[:1] == '"':
            if not raw.endswith('"') or len(raw) < 2:
                problems.append(f"{path}:{number}: unterminated double quote")
                continue
            value = re.sub(r'\\(.)', r'\1', raw[1:-1])
        elif raw[:1] == "'":
            if not raw.endswith("'") or len(raw) < 2:
                problems.append(f"{path}:{number}: unterminated single quote")
                continue
            value = raw[1:-1]
        else:
            value = raw
        if "$" in value:
            problems.append(f"{path}:{number}: systemd does not expand variables in {key}")
        env[key] = value
    return env, problems


def commented_assignments(path):
    """`#KEY="..."` example lines of an environment file, as (KEY, value) pairs."""
    pairs = []
    for line in open(path, encoding="utf-8"):
        m = re.match(r'^#([A-Z_][A-Z0-9_]*)=(.*)$', line.strip())
        if m:
            pairs.append((m.group(1), m.group(2).strip().strip('"').strip("'")))
    return pairs


def read_unit(path):
    """A systemd unit as {section: [(key, value), ...]} (keys repeat, order kept)."""
    sections, current = {}, None
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        key, _, value = line.partition("=")
        current.append((key.strip(), value.strip()))
    return sections


def expand_exec(command, env):
    """An ExecStart= line expanded as systemd does: `$VAR` alone becomes the value split at whitespace (zero or
    more words); `${VAR}` becomes exactly one word (empty when unset)."""
    words = []
    for word in shlex.split(command):
        m = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
        if m:
            words += env.get(m.group(1), "").split()
        else:
            words.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda v: env.get(v.group(1), ""), word))
    return words


def http_get(url, timeout=5):
    """(status, body); status 0 when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return 0, ""


class Exporter:
    """`with Exporter([binary, flags...]) as e:` starts it on a free 127.0.0.1 port (appended), waits until
    /-/healthy answers, and stops it by its PID on the way out."""

    def __init__(self, argv, env=None, timeout=10, kill_on_exit=False):
        self.port = free_port()
        self.argv = list(argv) + ["--web.listen-address", f"127.0.0.1:{self.port}"]
        self.env, self.timeout, self.proc, self.kill_on_exit = env, timeout, None, kill_on_exit
        self.base = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"exited with {self.proc.returncode}: {' '.join(self.argv)}\n"
                                   f"{self.proc.stdout.read()}")
            if http_get(self.base + "/-/healthy", timeout=1)[0] == 200:
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"/-/healthy did not answer within {self.timeout} s: {' '.join(self.argv)}")

    def stop(self, kill=False):
        """SIGTERM and wait (CivetWeb's shutdown takes about 2 s), or SIGKILL when only the start mattered."""
        if self.proc and self.proc.poll() is None:
            if kill:
                self.proc.kill()
            else:
                self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def __exit__(self, *exc):
        # Dead before we stopped it, or not 0 on SIGTERM: a crash or a sanitizer report (a sanitizer build
        # reports at exit too), which is in its output.
        died = self.proc is not None and self.proc.poll() is not None
        code = self.stop(kill=self.kill_on_exit)
        if died or (not self.kill_on_exit and code != 0):
            raise RuntimeError(f"exited with {code}: {' '.join(self.argv)}\n{self.proc.stdout.read()}")
        return False
