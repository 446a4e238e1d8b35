#!/usr/bin/python3
"""Memory: where the exporter's RSS goes next to one node, what it is serving 500 members, and whether it stays
flat over many scrapes.

  node      the exporter next to the lab leader (default flags), after 200 scrapes: RSS split by category
            (/proc/PID/smaps) into the exporter's binary, libcurl and the 30 libraries it pulls in, OpenSSL,
            the C/C++ runtime, the other libraries, the heap, thread stacks; PSS beside RSS (shared pages
            divided among the processes that map them); and build/bench/rss_floor: a program that only loads
            the same libraries and initialises libcurl and CivetWeb as main() does. Beside it, in the same run:
            MALLOC_ARENA_MAX=2 (the previous setting), the node view only, --web.threads 4 and glibc's tcache off
            (GLIBC_TUNABLES=glibc.malloc.tcache_count=0): what the 16 workers' stacks and tcaches cost (and
            EXPORTER_BASELINE, if set).
            Then the same RSS per mapped object (each library's text, rodata, relro and data; heap, stacks,
            anonymous mappings), and issue 18's "target 5:" line for one node beside rss_floor's total.
  fleet     BENCH_SLOW_MEMBERS (500) fake members answering in 100 ms (bench/fake_fleet.py), 30 scrapes:
            RSS (read 0.5 s after the last scrape) and peak RSS (VmHWM), default flags, MALLOC_ARENA_MAX=2,
            --patroni.max-parallel-requests 64;
            "target 5:" lines for 500 members: the default flags' RSS between scrapes, and its peak.
  soak      BENCH_SOAK_SCRAPES (10000) scrapes of the lab leader, RSS every 1000; then BENCH_SOAK_FLEET_SCRAPES
            (1000) scrapes of the 500-member fleet answering at once, RSS every tenth (each read 0.5 s after it).
"""
import os
import re
import subprocess
import sys
import time

from benchlib import BENCH_BIN, Exporter, Fleet, section

SLOW = int(os.environ.get("BENCH_SLOW_MEMBERS", "500"))
SOAK = int(os.environ.get("BENCH_SOAK_SCRAPES", "10000"))
SOAK_FLEET = int(os.environ.get("BENCH_SOAK_FLEET_SCRAPES", "1000"))
LAB_DIR = os.environ.get("LAB_DIR", "/tmp/patroni-exporter-lab")
NODE_VIEW = ["--no-collector.cluster", "--no-collector.config", "--no-collector.history"]
BASELINE = os.environ.get("EXPORTER_BASELINE")  # another build, measured beside this one (default flags)

OPENSSL = ("libcrypto", "libssl")
RUNTIME = ("libc.so", "libstdc++", "libm.so", "libgcc_s", "ld-linux")
# What libcurl4 (Debian 12) loads besides OpenSSL: `ldd /usr/lib/x86_64-linux-gnu/libcurl.so.4`.
CURL_DEPS = ("libcurl", "libnghttp2", "libidn2", "librtmp", "libssh2", "libpsl", "libgssapi", "libldap", "liblber",
             "libzstd", "libbrotli", "libz.so", "libunistring", "libgnutls", "libhogweed", "libnettle", "libgmp",
             "libkrb5", "libk5crypto", "libcom_err", "libkrb5support", "libsasl2", "libp11-kit", "libtasn1",
             "libkeyutils", "libresolv", "libffi")


def lab_leader():
    with open(os.path.join(LAB_DIR, "lab.env")) as f:
        urls = next(l.split("=", 1)[1].strip().strip('"') for l in f if l.startswith("LAB_PATRONI_URLS="))
    from benchlib import get
    for url in urls.split():
        host, port = url.split("//")[1].split(":")
        if b'"role": "master"' in get(host, int(port), "/patroni")[2] or \
                b'"role": "primary"' in get(host, int(port), "/patroni")[2]:
            return url
    sys.exit("no leader in the lab")


def breakdown(pid, exporter_path):
    """MB of RSS (and PSS) per category, from /proc/PID/smaps."""
    cats = {}
    name, size = None, 0

    def category(path, kb_size):
        if path == "[heap]":
            return "heap (brk)"
        if path in ("[stack]",):
            return "thread stacks"
        if path.startswith("["):
            return "kernel ([vdso], [vvar])"
        if path == "":
            # glibc thread stacks: CivetWeb asks 100 KiB, others get RLIMIT_STACK (8 MiB); arenas are the rest.
            return "thread stacks" if kb_size in (100, 8192) else "heap (arenas, mmap)"
        if os.path.realpath(path) == os.path.realpath(exporter_path):
            return "exporter binary"
        base = os.path.basename(path)
        if base.startswith(OPENSSL):
            return "OpenSSL (libcrypto, libssl)"
        if base.startswith(RUNTIME):
            return "C/C++ runtime"
        if base.startswith(CURL_DEPS):
            return "libcurl and what it pulls in (GnuTLS, Kerberos, LDAP, ...)"
        return "other libraries (prometheus-cpp, civetweb, libpq, spdlog, ...)"

    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                parts = line.split()
                name = parts[5] if len(parts) > 5 else ""
            elif line.startswith("Size:"):
                size = int(line.split()[1])
            elif line.startswith("Rss:"):
                c = category(name, size)
                cats.setdefault(c, [0, 0])[0] += int(line.split()[1])
            elif line.startswith("Pss:"):
                cats[category(name, size)][1] += int(line.split()[1])
    return {c: (rss / 1024, pss / 1024) for c, (rss, pss) in cats.items()}


def mappings(pid, exporter_path):
    """kB of RSS per mapped object, split by kind of mapping, from /proc/PID/smaps: {object: {column: kB}}.

    Columns: "text" (r-xp: code), "rodata" (r--p pages still clean: constants, ELF headers, symbol tables),
    "relro" (r--p pages written once: relocated pointers, made read-only after loading), "data" (rw-p: .data,
    .bss, the GOT of lazily bound symbols). Mappings without a file: "[heap]" (brk), "thread stacks" (100 KiB
    CivetWeb workers, the 8 MiB main-thread-sized ones), "anon (arenas, mmap)" (the rest), "[stack]", "[vdso]"...
    """
    table = {}
    name = perms = None
    size = 0
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                parts = line.split()
                perms, name = parts[1], parts[5] if len(parts) > 5 else ""
                low, high = (int(x, 16) for x in parts[0].split("-"))
                size = (high - low) // 1024
                rss = 0
            elif line.startswith("Size:"):
                size = int(line.split()[1])
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Private_Dirty:"):
                dirty = int(line.split()[1])
                if name == "":
                    # A guard page (---p) sits below each thread stack; the stack itself is the rw-p mapping.
                    obj, col = ("thread stacks" if size in (100, 8192) else "anon (arenas, mmap)"), "data"
                elif name.startswith("["):
                    obj, col = name, "data"
                else:
                    obj = ("exporter binary" if os.path.realpath(name) == os.path.realpath(exporter_path)
                           else os.path.basename(name))
                    if "x" in perms:
                        col = "text"
                    elif "w" in perms:
                        col = "data"
                    else:
                        # relro is private dirty after relocation; rodata stays clean (shared with the page cache)
                        row = table.setdefault(obj, {})
                        row["relro"] = row.get("relro", 0) + dirty
                        row["rodata"] = row.get("rodata", 0) + rss - dirty
                        continue
                row = table.setdefault(obj, {})
                row[col] = row.get(col, 0) + rss
    return table


def print_mappings(table, top=25):
    """The per-mapping table: the `top` largest objects, the rest summed, and the total (kB)."""
    columns = ("text", "rodata", "relro", "data")
    rows = sorted(table.items(), key=lambda kv: -sum(kv[1].values()))
    print(f"{'mapping':<34} {'text':>6} {'rodata':>7} {'relro':>6} {'data':>6} {'RSS kB':>7}")
    rest = {c: 0 for c in columns}
    for i, (obj, row) in enumerate(rows):
        if i >= top:
            for c in columns:
                rest[c] += row.get(c, 0)
            continue
        print(f"{obj:<34} " + " ".join(f"{row.get(c, 0):>{w}}" for c, w in zip(columns, (6, 7, 6, 6))) +
              f" {sum(row.values()):>7}")
    if len(rows) > top:
        print(f"{f'the other {len(rows) - top}':<34} " +
              " ".join(f"{rest[c]:>{w}}" for c, w in zip(columns, (6, 7, 6, 6))) + f" {sum(rest.values()):>7}")
    totals = {c: sum(row.get(c, 0) for row in table.values()) for c in columns}
    print(f"{'total':<34} " + " ".join(f"{totals[c]:>{w}}" for c, w in zip(columns, (6, 7, 6, 6))) +
          f" {sum(totals.values()):>7}")


def rss_floor(name="rss_floor"):
    out = subprocess.run([os.path.join(BENCH_BIN, name)], capture_output=True, text=True).stdout
    return [line.split() for line in out.splitlines()]


def node(leader):
    section(f"memory next to one node ({leader}), after 200 scrapes")
    variants = [("default flags", [], {}, None), ("MALLOC_ARENA_MAX=2", [], {"MALLOC_ARENA_MAX": "2"}, None),
                ("node view only", NODE_VIEW, {}, None),
                # What the 16 workers cost: their stacks, and the chunks each one's malloc tcache keeps.
                ("--web.threads 4", ["--web.threads", "4"], {}, None),
                ("tcache off (GLIBC_TUNABLES)", [], {"GLIBC_TUNABLES": "glibc.malloc.tcache_count=0"}, None)]
    if BASELINE:
        variants.append(("baseline, default flags", [], {}, BASELINE))
    exporters = []
    try:
        for label, args, env, binary in variants:
            exporters.append((label, Exporter(["--patroni.url", leader] + args, env=dict(os.environ, **env),
                                              binary=binary)))
        for _ in range(200):
            for _, e in exporters:
                e.scrape()
        print(f"{'exporter':<28} {'RSS MB':>7} {'HWM MB':>7} {'anon':>6} {'file':>6} {'PSS MB':>7} {'threads':>8}")
        for label, e in exporters:
            pss = sum(p for _, p in breakdown(e.pid, e.argv[0]).values())
            print(f"{label:<28} {e.rss():>7.1f} {e.status('VmHWM'):>7.1f} {e.status('RssAnon'):>6.1f} "
                  f"{e.status('RssFile'):>6.1f} {pss:>7.1f} {e.status('Threads'):>8}")
        label, e = exporters[0]
        print(f"\nwhere the RSS of '{label}' goes (MB):")
        print(f"{'':<64} {'RSS':>6} {'PSS':>6}")
        parts = breakdown(e.pid, e.argv[0])
        for c, (rss, pss) in sorted(parts.items(), key=lambda kv: -kv[1][0]):
            print(f"{c:<64} {rss:>6.2f} {pss:>6.2f}")
        print(f"{'total':<64} {sum(r for r, _ in parts.values()):>6.2f} {sum(p for _, p in parts.values()):>6.2f}")
        print(f"\nper mapping of '{label}' (kB of RSS; text r-xp, rodata r--p clean, relro r--p dirty, data rw-p "
              f"and anonymous):")
        print_mappings(mappings(e.pid, e.argv[0]))
        one_node = e.rss()
        baseline_node = next((e.rss() for label, e in exporters if label == "baseline, default flags"), None)
    finally:
        for _, e in exporters:
            e.stop()
    print("\nrss_floor (the same libraries loaded, nothing served), kB:")
    print(f"{'stage':<20} {'RSS':>7} {'anon':>7} {'file':>7}")
    floor = rss_floor()
    for stage, rss, anon, file in floor:
        print(f"{stage:<20} {rss:>7} {anon:>7} {file:>7}")
    for name, what in (("rss_floor_no_curl", "loaded, no libcurl"),
                       ("rss_floor_no_curl_no_pq", "... nor libpq")):
        for _, rss, anon, file in rss_floor(name):
            print(f"{what:<20} {rss:>7} {anon:>7} {file:>7}")
    print(f"\ntarget 5: RSS one node {one_node:.1f} MB (default flags, after 200 scrapes; target <= 12 MB); "
          f"reference: rss_floor (the libraries alone) {int(floor[-1][1]) / 1024:.1f} MB")
    if baseline_node is not None:
        print(f"baseline target 5: RSS one node {baseline_node:.1f} MB (default flags, after 200 scrapes; "
              f"target <= 12 MB); reference: rss_floor (the libraries alone) {int(floor[-1][1]) / 1024:.1f} MB")
    sys.stdout.flush()


def fleet_memory():
    section(f"memory serving {SLOW} members answering in 100 ms, after 30 scrapes")
    fleet = Fleet(SLOW, 100)
    baseline_served = None
    try:
        print(f"{'exporter':<34} {'RSS MB':>7} {'HWM MB':>7} {'anon':>6} {'CPU ms/scrape':>14}")
        variants = [("default flags", [], {}, None), ("MALLOC_ARENA_MAX=2", [], {"MALLOC_ARENA_MAX": "2"}, None),
                    ("--patroni.max-parallel-requests 64", ["--patroni.max-parallel-requests", "64"], {}, None),
                    ("node view only", NODE_VIEW, {}, None)]
        if BASELINE:
            variants += [("baseline, default flags", [], {}, BASELINE),
                         ("baseline, --max-parallel 512", ["--patroni.max-parallel-requests", "512"], {}, BASELINE)]
        for label, args, env, binary in variants:
            e = Exporter(["--patroni.url", fleet.seed, "--patroni.discovery", "on"] + args,
                         env=dict(os.environ, **env), binary=binary)
            try:
                c0 = sum(e.cpu())
                for _ in range(30):
                    e.scrape()
                cpu = (sum(e.cpu()) - c0) / 30 * 1000
                # The client has the whole answer before the server frees its text and send buffer (2.7 MB each
                # at 500 members, mapped, given back at once): read the RSS between scrapes, not during one.
                time.sleep(0.5)
                print(f"{label:<34} {e.rss():>7.1f} {e.status('VmHWM'):>7.1f} {e.status('RssAnon'):>6.1f} {cpu:>14.1f}")
                if label == "default flags":
                    served = (e.rss(), e.status("VmHWM"))
                if label == "baseline, default flags":
                    baseline_served = (e.rss(), e.status("VmHWM"))
                sys.stdout.flush()
            finally:
                e.stop()
    finally:
        fleet.stop()
    print(f"\ntarget 5: RSS serving {SLOW} members {served[0]:.1f} MB (default flags, between scrapes, after 30; "
          f"target <= 30 MB)")
    print(f"target 5: peak RSS serving {SLOW} members {served[1]:.1f} MB (default flags, VmHWM over 30 scrapes; "
          f"target <= 30 MB)")
    if baseline_served:
        print(f"baseline target 5: RSS serving {SLOW} members {baseline_served[0]:.1f} MB (default flags, between "
              f"scrapes, after 30; target <= 30 MB)")
        print(f"baseline target 5: peak RSS serving {SLOW} members {baseline_served[1]:.1f} MB (default flags, VmHWM "
              f"over 30 scrapes; target <= 30 MB)")
    sys.stdout.flush()


def soak(label, exporter, scrapes, every):
    print(f"{label}: RSS MB after N scrapes (VmHWM at the end)")
    samples = [(0, exporter.rss())]
    for i in range(1, scrapes + 1):
        exporter.scrape()
        if i % every == 0:
            time.sleep(0.5)  # between scrapes, as in fleet_memory()
            samples.append((i, exporter.rss()))
    print("  " + "  ".join(f"{n}:{rss:.1f}" for n, rss in samples))
    # After the first sample (warm-up growth): range, and the least-squares trend per 1000 scrapes.
    xs, ys = [n for n, _ in samples[1:]], [rss for _, rss in samples[1:]]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / max(sum((x - mx) ** 2 for x in xs), 1)
    print(f"  from scrape {xs[0]} to {xs[-1]}: {min(ys):.1f} to {max(ys):.1f} MB, trend {slope * 1000:+.3f} MB per "
          f"1000 scrapes; VmHWM {exporter.status('VmHWM'):.1f} MB")
    sys.stdout.flush()


def soaks(leader):
    section(f"soak: RSS over {SOAK} node scrapes and {SOAK_FLEET} scrapes of {SLOW} members")
    e = Exporter(["--patroni.url", leader])
    try:
        soak(f"next to the lab leader, default flags, {SOAK} scrapes", e, SOAK, max(1, SOAK // 10))
    finally:
        e.stop()
    fleet = Fleet(SLOW, 0)
    try:
        e = Exporter(["--patroni.url", fleet.seed, "--patroni.discovery", "on"])
        try:
            soak(f"{SLOW} members answering at once, default flags, {SOAK_FLEET} scrapes", e, SOAK_FLEET,
                 max(1, SOAK_FLEET // 10))
        finally:
            e.stop()
    finally:
        fleet.stop()


def main():
    what = sys.argv[1:] or ["node", "fleet", "soak"]
    # Only the lab's runs need its leader: `fleet` serves its own fake members.
    leader = lab_leader() if "node" in what or "soak" in what else None
    if "node" in what:
        node(leader)
    if "fleet" in what:
        fleet_memory()
    if "soak" in what:
        soaks(leader)


if __name__ == "__main__":
    main()
