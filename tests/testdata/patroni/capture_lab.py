#!/usr/bin/python3
"""Records the real-capture fixtures of tests/testdata/patroni/ from a running lab (scripts/lab.sh).

    LAB_DIR=/tmp/lab-v4 tests/testdata/patroni/capture_lab.py OUT_DIR

Walks the lab through the states of the 3.0.2 capture set (baseline, paused, pending restart, a crashed replica,
a replica stopped in maintenance mode, replay lag, switchover, synchronous mode) and, on Patroni 4, quorum
commit, and writes per state the members' GET /patroni (+ their own /metrics as .native.prom), /cluster,
/config and /history, named as the README of the test data says, with the version the lab reports
(LAB_PATRONI_VERSION). JSON is stored as json.dumps(body, indent=2) plus a newline; /metrics byte for byte.
Each /patroni + /metrics pair is taken between two identical /patroni bodies when the state holds still, so
both show the same moment; pairs of moving states (a crash, a switchover) are best effort and it says so.
Run as root (scripts/lab.sh patronictl, psql as the lab's superuser). Leaves the lab healthy, as it found it.
"""
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
LAB_SH = os.path.join(ROOT, 'scripts', 'lab.sh')
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def lab_env():
    env = {}
    with open(os.path.join(os.environ['LAB_DIR'], 'lab.env')) as f:
        for line in f:
            if '=' in line and not line.startswith('#'):
                k, v = line.rstrip('\n').split('=', 1)
                env[k] = v.strip('"')
    return env


LAB = lab_env()
NAMES = LAB['LAB_MEMBER_NAMES'].split()
URLS = dict(zip(NAMES, LAB['LAB_PATRONI_URLS'].split()))
PORTS = dict(zip(NAMES, LAB['LAB_PG_PORTS'].split()))
VERSION = LAB['LAB_PATRONI_VERSION']
OUT = sys.argv[1]
NOTES = []


def get(name, path, raw=False):
    with OPENER.open(URLS[name] + path, timeout=5) as r:
        body = r.read()
    return body if raw else json.loads(body)


def get_status(name):   # /patroni answers 503 in some states; the body is what counts
    try:
        return get(name, '/patroni')
    except urllib.error.HTTPError as e:
        return json.loads(e.read())


def lab(*args):
    return subprocess.run([LAB_SH, *args], capture_output=True, text=True, check=False).stdout


def psql(name, sql):
    return subprocess.run(['psql', '-X', '-q', '-At', '-h', '127.0.0.1', '-p', PORTS[name], '-U', 'postgres',
                           '-d', 'postgres', '-c', sql], capture_output=True, text=True, check=False,
                          env=dict(os.environ, PGPASSFILE=LAB['LAB_PGPASSFILE'])).stdout


def write_json(stem, body):
    path = os.path.join(OUT, '%s_v%s.json' % (stem, VERSION))
    with open(path, 'w') as f:
        f.write(json.dumps(body, indent=2) + '\n')
    print('wrote', path)


def node_pair(stem, name, steady=True):
    """GET /patroni and /metrics of one member; with steady, retried until two /patroni bodies around the
    /metrics request are equal (same moment)."""
    for _ in range(40 if steady else 1):
        before = get_status(name)
        native = get(name, '/metrics', raw=True)
        after = get_status(name)
        if before == after:
            break
        time.sleep(0.25)
    if before != after:
        NOTES.append('%s: /patroni changed while /metrics was read (%s)'
                     % (stem, 'in 40 tries' if steady else 'a moving state, taken once'))
    write_json('patroni_' + stem, before)
    with open(os.path.join(OUT, 'patroni_%s_v%s.native.prom' % (stem, VERSION)), 'wb') as f:
        f.write(native)
    return before


def roles():
    out = {}
    for n in NAMES:
        try:
            out[n] = get_status(n)
        except Exception:   # noqa: BLE001 - a member that does not answer has no role
            out[n] = {}
    return out


def leader():
    for n, s in roles().items():
        if s.get('role') in ('master', 'primary'):
            return n
    return None


def wait(what, condition, limit=90):
    end = time.time() + limit
    while time.time() < end:
        try:
            if condition():
                return True
        except Exception:   # noqa: BLE001 - members restart during the scenarios
            pass
        time.sleep(0.25)
    raise SystemExit('timed out waiting for ' + what)


def healthy():
    r = roles()
    leaders = [n for n, s in r.items() if s.get('role') in ('master', 'primary') and s.get('state') == 'running']
    if len(leaders) != 1:
        return False
    streaming = {x.get('application_name') for x in r[leaders[0]].get('replication') or []
                 if x.get('state') == 'streaming'}
    return all(s.get('state') == 'running' and (n in leaders or n in streaming) for n, s in r.items()) and \
        all('pause' not in s and 'pending_restart' not in s for s in r.values())


def replicas():
    l = leader()
    return l, [n for n in NAMES if n != l]


def main():
    os.makedirs(OUT, exist_ok=True)
    wait('a healthy lab', healthy)
    primary, (rep1, rep2) = replicas()

    # baseline
    node_pair('baseline-primary', primary)
    node_pair('baseline-replica', rep1)
    write_json('cluster_baseline', get(primary, '/cluster'))
    write_json('config_baseline', get(primary, '/config'))
    write_json('history_baseline', get(primary, '/history'))

    # maintenance mode
    lab('patronictl', 'pause', '--wait')
    wait('pause on the leader', lambda: get_status(primary).get('pause') is True)
    node_pair('paused-primary', primary)
    write_json('cluster_paused', get(primary, '/cluster'))
    lab('patronictl', 'resume', '--wait')
    wait('healthy after resume', healthy)

    # pending restart
    lab('patronictl', 'edit-config', '--force', '--pg', 'max_connections=250')
    wait('pending restart everywhere', lambda: all(s.get('pending_restart') for s in roles().values()))
    wait('pending restart in /cluster',
         lambda: all(m.get('pending_restart') for m in get(primary, '/cluster')['members']))
    node_pair('pending-restart-primary', primary)
    write_json('cluster_pending-restart', get(primary, '/cluster'))
    write_json('config_pending-restart', get(primary, '/config'))
    lab('patronictl', 'edit-config', '--force', '--pg', 'max_connections=50')
    wait('no pending restart', healthy)

    # a replica's postmaster SIGKILLed, 0.5 s later (Patroni restarts it)
    lab('kill-postgres', rep1)
    time.sleep(0.5)
    node_pair('killed-replica', rep1, steady=False)
    write_json('cluster_crashed-replica', get(rep1, '/cluster'))
    wait('healthy after the crash', healthy)
    time.sleep(6)   # one more loop, so /cluster shows the member streaming again

    # a replica stopped in maintenance mode
    lab('patronictl', 'pause', '--wait')
    wait('pause on the replica', lambda: get_status(rep1).get('pause') is True)
    subprocess.run(['/usr/bin/setpriv', '--reuid', LAB['LAB_USER'], '--regid', LAB['LAB_USER'], '--init-groups',
                    os.path.join(LAB['LAB_PG_BIN'], 'pg_ctl'), 'stop', '-m', 'fast', '-w', '-D',
                    LAB['LAB_%s_DATA_DIR' % rep1.upper()]], check=True, capture_output=True, cwd='/')
    wait('the replica stopped', lambda: get_status(rep1).get('state') == 'stopped')
    wait('/cluster shows it stopped',
         lambda: [m for m in get(primary, '/cluster')['members'] if m['name'] == rep1][0]['state'] == 'stopped')
    node_pair('stopped-replica', rep1)
    write_json('cluster_stopped-paused', get(primary, '/cluster'))
    lab('patronictl', 'resume', '--wait')
    wait('healthy after the stopped replica', healthy)

    # replay paused on a replica under writes (maintenance mode on, as for 3.0.2: docs/lab.md pitfall 11)
    lab('patronictl', 'pause', '--wait')
    wait('pause on the replica', lambda: get_status(rep1).get('pause') is True)
    psql(rep1, 'SELECT pg_wal_replay_pause()')
    psql(primary, 'CREATE TABLE capture_lag AS SELECT g FROM generate_series(1, 200000) g')
    time.sleep(10)
    node_pair('replay-paused-replica', rep1)
    write_json('cluster_replay-paused', get(primary, '/cluster'))
    psql(rep1, 'SELECT pg_wal_replay_resume()')
    psql(primary, 'DROP TABLE capture_lag')
    lab('patronictl', 'resume', '--wait')
    wait('healthy after replay lag', healthy)

    # switchover primary -> rep2, 1 s in, then done
    t = threading.Thread(target=lab, args=('patronictl', 'switchover', '--leader', primary, '--candidate', rep2,
                                           '--force'))
    t.start()
    wait('the old leader demoting', lambda: get_status(primary).get('role') not in ('master', 'primary'), 30)
    time.sleep(1)
    node_pair('switchover-demoted', primary, steady=False)
    wait('the new leader', lambda: get_status(rep2).get('role') in ('master', 'primary'), 60)
    node_pair('switchover-new-primary', rep2, steady=False)
    write_json('cluster_switchover-1s', get(rep2, '/cluster'))
    t.join()
    wait('healthy after the switchover', healthy)
    time.sleep(6)
    write_json('cluster_switchover-done', get(rep2, '/cluster'))
    write_json('history_switchover-done', get(rep2, '/history'))
    primary, (rep1, rep2) = replicas()

    # synchronous mode
    lab('patronictl', 'edit-config', '--force', '--set', 'synchronous_mode=true')
    wait('a sync standby', lambda: any(s.get('sync_standby') for s in roles().values()))
    sync = [n for n, s in roles().items() if s.get('sync_standby')][0]
    wait('/cluster shows it', lambda: any(m['role'] == 'sync_standby' for m in get(primary, '/cluster')['members']))
    node_pair('sync-standby-replica', sync)
    node_pair('sync-mode-primary', primary)
    write_json('cluster_sync-mode', get(primary, '/cluster'))
    write_json('config_sync-mode', get(primary, '/config'))

    # quorum commit (Patroni 4 only)
    if VERSION.startswith('4.'):
        lab('patronictl', 'edit-config', '--force', '--set', 'synchronous_mode=quorum')
        wait('quorum standbys', lambda: sum(bool(s.get('quorum_standby')) for s in roles().values()) == 2)
        wait('/cluster shows them',
             lambda: sum(m['role'] == 'quorum_standby' for m in get(primary, '/cluster')['members']) == 2)
        node_pair('quorum-standby', [n for n in NAMES if n != primary][0])
        node_pair('quorum-primary', primary)
        write_json('cluster_quorum', get(primary, '/cluster'))
        write_json('config_quorum', get(primary, '/config'))
    lab('patronictl', 'edit-config', '--force', '--set', 'synchronous_mode=false')
    wait('healthy at the end', lambda: healthy() and not any(s.get('sync_standby') or s.get('quorum_standby')
                                                             for s in roles().values()))
    for note in NOTES:
        print('note:', note)


if __name__ == '__main__':
    main()
