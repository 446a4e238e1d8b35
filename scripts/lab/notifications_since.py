# The notifications received since T0: FILE T0 -> "alertname severity status member seconds_after_t0" lines;
# scripts/alerting-lab.sh notifications_since() runs it.
import json, sys
t0 = float(sys.argv[2])
for line in open(sys.argv[1]):
    n = json.loads(line)
    if n["received"] >= t0:
        l = n["labels"]
        who = l.get("member", l.get("target", "-")) + ("/source=" + l["source"] if "source" in l else "")
        print(l.get("alertname"), l.get("severity"), n["status"], who, "%.1f" % (n["received"] - t0))
