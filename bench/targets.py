#!/usr/bin/python3
"""Judges issue 18's "target N: ..." lines for bench/run.sh's closing summary: reads the benchmark output on stdin,
prints every line that starts with "target " again, each prefixed with met, missed or "?"; then, when a script
measured a baseline build beside this one (EXPORTER_BASELINE), its "baseline target N:" lines the same way, so
each ratio's before and after from the same run stand one under the other.

The scripts print one criterion per line, in the form
  target N: <what> <value><unit> (<detail>; target <= <limit><unit>)[; reference: <what> <figure>]
with <unit> "x" (a ratio to a reference of the same run), "MB" or "ms". The value judged is the first number with
the limit's unit after "target N:"; a line without "target <=" (or ">="), or without such a number, gets "?".
"""
import re
import sys

LIMIT = re.compile(r"target\s*(<=|>=)\s*(\d+(?:\.\d+)?)\s*(x|MB|ms)\b")


def judge(line):
    limit = LIMIT.search(line)
    if not limit:
        return "?"
    op, bound, unit = limit.group(1), float(limit.group(2)), limit.group(3)
    head = line[line.find(":") + 1:limit.start()]  # between "target N:" and "target <="
    value = re.search(r"(\d+(?:\.\d+)?|inf)\s*" + re.escape(unit) + r"\b", head)
    if not value:
        return "?"
    measured = float(value.group(1))
    return "met" if (measured <= bound if op == "<=" else measured >= bound) else "missed"


def main():
    text = sys.stdin.read().splitlines()
    lines = [line for line in text if line.startswith("target ")]
    baseline = [line for line in text if line.startswith("baseline target ")]
    print()
    print("## summary: issue 18 targets")
    if not lines:
        print("(no script printed a \"target N:\" line: see BENCH_ONLY)")
    for line in lines:
        print(f"{judge(line):<7} {line}")
    if baseline:
        print("the baseline build (EXPORTER_BASELINE), same run:")
        for line in baseline:
            print(f"{judge(line):<7} {line}")
    print("(ratios and references from this run only; on a shared machine they move from run to run)")


if __name__ == "__main__":
    main()
