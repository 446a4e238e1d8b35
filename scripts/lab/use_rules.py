# Points a Prometheus configuration's rule_files at DIR/*.yml: CONFIG DIR; scripts/alerting-lab.sh use_rules() runs it.
import glob, os, re, sys
cfg, rules = sys.argv[1], sys.argv[2]
text = open(cfg).read()
block = "rule_files:\n" + "".join("  - %s\n" % f for f in sorted(glob.glob(os.path.join(rules, "*.yml"))))
open(cfg, "w").write(re.sub(r"rule_files:\n(  - .*\n)+", lambda _: block, text))
