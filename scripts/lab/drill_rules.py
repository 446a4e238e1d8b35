# The drill's copy of the rules: SRC_DIR DST_DIR; scripts/alerting-lab.sh cmd_drill runs it (see the comment there).
import glob, os, sys, yaml
src, dst = sys.argv[1], sys.argv[2]
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
    yaml.safe_dump(doc, open(os.path.join(dst, os.path.basename(path)), "w"), sort_keys=False, width=200)
