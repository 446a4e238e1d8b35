# One look at every lab member's GET /patroni: SCOPE TLS_DIR (or "") NAME URL...; scripts/lab.sh health() runs it.
import json, ssl, sys, urllib.request
scope, tls, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
members = list(zip(pairs[0::2], pairs[1::2]))
handlers = [urllib.request.ProxyHandler({})]  # never via an http_proxy
if tls:  # LAB_TLS: verify the members against the lab's CA and show them the client certificate they require
    ctx = ssl.create_default_context(cafile=tls + '/ca.crt')
    ctx.load_cert_chain(tls + '/client.crt', tls + '/client.key')
    handlers.append(urllib.request.HTTPSHandler(context=ctx))
opener = urllib.request.build_opener(*handlers)
status, problems = {}, []
for name, url in members:
    try:
        with opener.open(url + '/patroni', timeout=2) as r:   # a frozen member must not hang us (pitfall 13)
            body = json.load(r)
    except Exception as e:
        problems.append('%s: %s/patroni does not answer (%s)' % (name, url, e))
        continue
    if body.get('patroni', {}).get('scope') != scope:
        problems.append('%s: %s is not a member of scope %s' % (name, url, scope))
        continue
    status[name] = body
leaders = [n for n, b in status.items() if b.get('role') in ('master', 'primary', 'standby_leader')]
if len(leaders) != 1:
    problems.append('%d leaders (%s)' % (len(leaders), ' '.join(leaders) or 'none yet'))
for name, body in status.items():
    if name in leaders and body.get('state') != 'running':
        problems.append('%s: leader in state %s' % (name, body.get('state')))
    if name not in leaders and (body.get('role'), body.get('state')) != ('replica', 'running'):
        problems.append('%s: role %s, state %s' % (name, body.get('role'), body.get('state')))
if len(leaders) == 1:
    streaming = {r.get('application_name') for r in status[leaders[0]].get('replication') or []
                 if r.get('state') == 'streaming'}
    missing = [n for n, _ in members if n != leaders[0] and n not in streaming]
    if missing:
        problems.append('not streaming from %s yet: %s' % (leaders[0], ' '.join(missing)))
if problems:
    print('; '.join(problems))
    sys.exit(1)
for name, _ in members:
    print(name, status[name]['role'], status[name]['state'])
