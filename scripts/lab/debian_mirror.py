# The Debian archive the system's own apt sources use for its release; scripts/lab.sh debian_mirror() runs it.
import glob, re, sys
codename = re.search(r'^VERSION_CODENAME=(\S+)', open('/etc/os-release').read(), re.M).group(1)
found = []
files = ['/etc/apt/sources.list'] + sorted(glob.glob('/etc/apt/sources.list.d/*.list'))
for path in files:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        continue
    for line in lines:
        words = re.sub(r'\[[^]]*\]', ' ', line.split('#')[0]).split()
        if len(words) >= 3 and words[0] == 'deb' and words[2] == codename:
            found.append(words[1])
for path in sorted(glob.glob('/etc/apt/sources.list.d/*.sources')):
    for stanza in re.split(r'\n\s*\n', open(path).read()):
        fields = {}
        for line in stanza.splitlines():
            m = re.match(r'^([A-Za-z-]+):\s*(.*)$', line)
            if m:
                fields[m.group(1).lower()] = m.group(2).split()
        if fields.get('enabled', ['yes'])[0] == 'no' or 'deb' not in fields.get('types', []):
            continue
        if codename in fields.get('suites', []):
            found += fields.get('uris', [])
if not found:
    sys.exit('no apt source for %s found: set LAB_DEBIAN_MIRROR' % codename)
print(found[0].rstrip('/'))
