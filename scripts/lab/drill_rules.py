# The drill's copy of the rules: FAST SRC_DIR DST_DIR (FAST 1: the fast rendering); scripts/alerting-lab.sh
# cmd_drill runs it (see the comment there).
import glob, os, re, sys, yaml
fast, src, dst = sys.argv[1] == "1", sys.argv[2], sys.argv[3]
UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
def seconds(d):
    parts = re.findall(r"(\d+)(ms|s|m|h|d|w|y)", d)
    assert parts and "".join(n + u for n, u in parts) == d, "not a duration: %r" % d
    return sum(int(n) * UNITS[u] for n, u in parts)
os.makedirs(dst, exist_ok=True)
for path in sorted(glob.glob(os.path.join(src, "*.yml"))):
    doc = yaml.safe_load(open(path))
    for group in doc["groups"]:
        for rule in group["rules"]:
            name = rule.get("alert")
            if name in ("PatroniPaused", "PatroniPendingRestart") and rule.get("for") == "1h":
                rule["for"] = "1m"
            if name == "PatroniReplicationSlotInactive" and rule["labels"]["severity"] == "warning":
                assert "> 1073741824" in rule["expr"]
                rule["expr"] = rule["expr"].replace("> 1073741824", "> 4194304")
                rule["for"] = "1m"
            # Drill-sized: 30 minutes of paused replay, and three switches within 2 minutes rather than an hour
            # (the drill's own switchovers and failovers, minutes apart, must not add up to three).
            if name == "PatroniReplayPaused" and rule.get("for") == "30m":
                rule["for"] = "1m"
            if name == "PatroniFailoverFlapping":
                assert "[1h]" in rule["expr"] and "[1h:15s]" in rule["expr"]
                rule["expr"] = rule["expr"].replace("[1h]", "[2m]").replace("[1h:15s]", "[2m:5s]")
            if fast and name and seconds(str(rule.get("for", "0s"))) > 0:
                rule["for"] = "%ds" % min(30, max(10, seconds(str(rule["for"])) // 6))
    yaml.safe_dump(doc, open(os.path.join(dst, os.path.basename(path)), "w"), sort_keys=False, width=200)
