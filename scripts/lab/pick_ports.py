# Free 127.0.0.1 ports for the lab: one line per BASE:COUNT argument; scripts/lab.sh pick_ports() runs it.
import socket, sys
lo, hi = map(int, open('/proc/sys/net/ipv4/ip_local_port_range').read().split())
taken = set()
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
