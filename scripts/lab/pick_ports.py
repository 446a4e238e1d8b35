# Free 127.0.0.1 ports for the lab: pick_ports.py OWN_LAB_DIR REGISTRY BASE:COUNT..., one line per BASE:COUNT;
# scripts/lab.sh pick_ports() runs it. Ports another lab owns (its state.env; the labs in REGISTRY and, for labs
# of older copies of lab.sh, every lab under /tmp) are skipped even while they are free (docs/lab.md pitfall 19).
import glob, os, re, socket, sys
own, registry = sys.argv[1], sys.argv[2]
del sys.argv[1:3]
lo, hi = map(int, open('/proc/sys/net/ipv4/ip_local_port_range').read().split())
taken = set()
dirs = set(os.path.dirname(p) for p in glob.glob('/tmp/*/state.env'))
try:
    dirs.update(line.strip() for line in open(registry) if line.strip())
except OSError:
    pass
for d in dirs - {own}:
    try:
        text = open(os.path.join(d, 'state.env')).read()
    except OSError:
        continue
    for key in ('LAB_ETCD_PORT', 'LAB_ETCD_PEER_PORT', 'LAB_REST_PORTS', 'LAB_PG_PORTS'):
        m = re.search(r'^%s="([0-9 ]*)"' % key, text, re.M)
        if m:
            taken.update(int(p) for p in m.group(1).split())
def free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(('127.0.0.1', port))
        return True
    except OSError:
        return False
    finally:
        s.close()
for spec in sys.argv[1:]:
    port, count = map(int, spec.split(':'))
    got = []
    while len(got) < count:
        if port > 65535:
            sys.exit('no free ports from %s' % spec)
        if port not in taken and not lo <= port <= hi and free(port):
            got.append(port)
            taken.add(port)
        port += 1
    print(' '.join(map(str, got)))
