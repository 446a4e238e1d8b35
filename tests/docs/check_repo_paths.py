#!/usr/bin/env python3
"""Fails when a comment or a document names a path of this repository that does not exist.

Knowledge that a reader follows by path has to be in the tree: a comment that sends the reader to a file that was
renamed, deleted or never existed (or to notes kept outside the repository) costs the next engineer a detour.

What is read:
  - C/C++ (.h, .cc, .cpp, .h.in): // and /* */ comments (string literals are skipped);
  - Python (.py and python scripts): # comments and docstrings;
  - shell (.sh, scripts with a sh/bash shebang), CMake (CMakeLists.txt, .cmake), YAML, the Dockerfile: # comments;
  - Markdown (.md): the whole text, code blocks included, and the targets of relative links.
A bare C++ file name (`member_naming.h`, no directory) must exist somewhere in the tree.
What counts as a repository path: a token that starts with a top-level directory of the repository followed by a
slash (collectors/, exporter/, tests/, scripts/, docs/, rules/, dashboards/, bench/, packaging/, deploy/, .ci/), or
a top-level file (README.md, CHANGELOG.md, CMakeLists.txt, Dockerfile, CONTRIBUTING.md), not preceded by a
path or URL (so build/tests/unit_tests, $LAB_DIR/tests and https://host/docs/x are not repository paths).
Globs and placeholders are matched, not taken literally: `tests/testdata/**/*.prom`, `rules/*.yml`,
`collectors/patroni/<x>_parse.cc`, `collectors/metric_set.{h,cc}` (each alternative must exist),
`tests/testdata/patroni/$stem.prom`, `collectors/...`. A trailing `:LINE` or sentence punctuation is not part of
the path. Also flagged: any mention of the notes kept outside the repository (the `shared` directory beside it),
in code too, except in the provenance notes of tests/testdata/**/README.md, which may say where a fixture was
first delivered.

Usage:
  check_repo_paths.py --root DIR      check the tree at DIR; prints FILE:LINE: ... per finding, exit 1 if any
  check_repo_paths.py --self-test     prove the checker bites: a temporary tree with good and stale references
"""
import argparse
import ast
import glob
import io
import os
import re
import subprocess
import sys
import tempfile
import tokenize

TOP_DIRS = ("collectors", "exporter", "tests", "scripts", "docs", "rules", "dashboards", "bench", "packaging",
            "deploy", ".ci")
TOP_FILES = ("README.md", "CHANGELOG.md", "CMakeLists.txt", "Dockerfile", "CONTRIBUTING.md")
SKIP_DIRS = {".git", ".cache", "__pycache__"}

# One path character, a placeholder (<x>, {a,b}, ${VAR}) or a variable ($VAR).
_PATH_PART = r"(?:[A-Za-z0-9_.*?+@%=~-]|/|<[^<>/\n]{0,30}>|\$?\{[^{}\s/]*\}|\$[A-Za-z_][A-Za-z0-9_]*)"
_NOT_AFTER = r"(?<![A-Za-z0-9_./$}~-])"
PATH_RE = re.compile(_NOT_AFTER + r"((?:" + "|".join(re.escape(d) for d in TOP_DIRS) + r")/" + _PATH_PART + r"*"
                     r"|(?:" + "|".join(re.escape(f) for f in TOP_FILES) + r")(?![A-Za-z0-9_.-]))")
# The notes kept beside the repository during development; a clone has none of them. Spelled in two pieces so
# that this file does not mention them itself.
OUTSIDE_RE = re.compile(r"(?<![A-Za-z0-9_-])(?:\.\./)?" + "shar" + r"ed/(?:[A-Za-z0-9_.*-]+/?)*")
# The outside notes by name, with or without their directory.
OUTSIDE_NAMES_RE = re.compile(r"\b(?:LAB|PERF)-NOTES\b|(?<![A-Za-z0-9_/.-])(?:PATRONI|STYLE)\.md\b")
# A bare C++ file name (`member_naming.h`): this project's sources are the only .h/.cc files comments name, so one
# must exist somewhere in the tree (Patroni's own files, api.py and the like, are other projects' and not checked).
BARE_CXX_RE = re.compile(r"(?<![A-Za-z0-9_./<>*${}-])([A-Za-z0-9_]+\.(?:h|cc))(?![A-Za-z0-9_.-])")
MD_LINK_RE = re.compile(r"\]\(([^()\s]+)\)")


# --- which files, and their comments -----------------------------------------------------------------------------

def repo_files(root):
    """Files of the tree: git's view (tracked and untracked, ignored ones left out) when available, else a walk."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             check=True, capture_output=True).stdout.decode()
        files = sorted({f for f in out.split("\0") if f and os.path.isfile(os.path.join(root, f))})
        if files:
            return files
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []
    for d, dirs, names in os.walk(root):
        rel = os.path.relpath(d, root)
        dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS and not (rel == "." and x.startswith("build")))
        files += [os.path.normpath(os.path.join(rel, n)) for n in sorted(names)]
    return files


def kind_of(path, head):
    name = os.path.basename(path)
    if name.endswith((".h", ".cc", ".cpp", ".h.in")):
        return "c"
    if name.endswith(".py"):
        return "python"
    if name.endswith(".md"):
        return "markdown"
    if name == "CMakeLists.txt" or name.endswith((".cmake", ".sh", ".yml", ".yaml")) or name == "Dockerfile":
        return "hash"
    if head.startswith("#!"):
        first = head.splitlines()[0]
        if "python" in first:
            return "python"
        if re.search(r"\b(ba|da|z)?sh\b", first):
            return "hash"
    return None


def c_comments(text):
    """(line, text) of every // and /* */ comment; string and character literals are skipped."""
    out, i, line, n = [], 0, 1, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append((line, text[i + 2:j]))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j
            for k, part in enumerate(text[i + 2:j].split("\n")):
                out.append((line + k, part))
            line += text.count("\n", i, j)
            i = j + 2
        elif ch == "R" and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^()\\\s]{0,16})\(', text[i:])
            if not m:
                i += 1
                continue
            end = text.find(")" + m.group(1) + '"', i)
            end = n if end < 0 else end
            line += text.count("\n", i, end)
            i = end + len(m.group(1)) + 2
        elif ch in "\"'":
            if ch == "'" and i > 0 and text[i - 1].isalnum():   # digit separator 1'000
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != ch and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        else:
            i += 1
    return out


def hash_comments(text):
    """(line, text) of # comments in shell, CMake, YAML: a # at the start of a word, outside quotes."""
    out = []
    for no, raw in enumerate(text.splitlines(), 1):
        quote = None
        for k, ch in enumerate(raw):
            if quote:
                if ch == "\\" and quote == '"':
                    continue
                if ch == quote:
                    quote = None
            elif ch in "\"'":
                quote = ch
            elif ch == "#" and (k == 0 or raw[k - 1] in " \t;(|&"):
                out.append((no, raw[k + 1:]))
                break
    return out


def python_comments(text):
    """(line, text) of # comments (tokenize) and of docstrings (ast); a heuristic when the file does not parse."""
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                out.append((tok.start[0], tok.string[1:]))
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
                first = node.body[0]
                if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                        and isinstance(first.value.value, str)):
                    for no in range(first.lineno, first.end_lineno + 1):
                        out.append((no, lines[no - 1]))
    except (SyntaxError, tokenize.TokenError, ValueError):
        return hash_comments(text)
    return out


def texts_to_check(path, text):
    kind = kind_of(path, text[:200])
    if kind == "c":
        return c_comments(text)
    if kind == "python":
        return python_comments(text)
    if kind == "hash":
        return hash_comments(text)
    if kind == "markdown":
        return list(enumerate(text.splitlines(), 1))
    return []


# --- does a named path exist -------------------------------------------------------------------------------------

def expand_braces(token):
    m = re.search(r"(?<!\$)\{([^{}]*)\}", token)
    if not m:
        return [token]
    alternatives = m.group(1).split(",") if "," in m.group(1) else ["*"]
    return [x for alt in alternatives for x in expand_braces(token[:m.start()] + alt + token[m.end():])]


def clean(token):
    token = re.sub(r"(?::\d+(?:-\d+)?)+$", "", token)     # file:LINE, file:LINE-LINE
    while token and token[-1] in ".,;:!?" and not token.endswith("..."):
        token = token[:-1]
    return token


def exists(root, token):
    """Whether the path (or, for a pattern, something matching it) exists under root."""
    for alt in expand_braces(token):
        pattern = re.sub(r"<[^<>]*>", "*", alt)
        pattern = re.sub(r"\$\{[^{}]*\}|\$[A-Za-z_][A-Za-z0-9_]*", "*", pattern)
        pattern = pattern.replace("...", "*")
        if any(c in pattern for c in "*?"):
            if not glob.glob(os.path.join(glob.escape(root), pattern), recursive=True):
                return False
        elif not os.path.exists(os.path.join(root, pattern)):
            return False
    return True


def is_provenance_note(path):
    return path.startswith("tests/testdata/") and os.path.basename(path) == "README.md"


def check(root):
    findings = []
    files = repo_files(root)
    basenames = {os.path.basename(f) for f in files}
    for path in files:
        full = os.path.join(root, path)
        try:
            with open(full, encoding="utf-8") as f:
                text = f.read()
        except (UnicodeDecodeError, OSError):
            continue
        # Notes outside the repository: anywhere in the file (code that reads them included), by line.
        if not is_provenance_note(path):
            for no, line in enumerate(text.splitlines(), 1):
                for m in list(OUTSIDE_RE.finditer(line)) + list(OUTSIDE_NAMES_RE.finditer(line)):
                    findings.append((path, no, m.group(0), "names notes outside the repository"))
        is_md = path.endswith(".md")
        for no, chunk in texts_to_check(path, text):
            for m in PATH_RE.finditer(chunk):
                token = clean(m.group(1))
                if token and not exists(root, token):
                    findings.append((path, no, token, "missing"))
            for m in BARE_CXX_RE.finditer(chunk):
                if m.group(1) not in basenames:
                    findings.append((path, no, m.group(1), "no such file in the tree"))
            if is_md:
                for m in MD_LINK_RE.finditer(chunk):
                    target = m.group(1).split("#", 1)[0]
                    if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("/"):
                        continue
                    resolved = os.path.normpath(os.path.join(os.path.dirname(path), target))
                    if resolved.startswith("..") or not os.path.exists(os.path.join(root, resolved)):
                        findings.append((path, no, target, "missing link target"))
    return sorted(set(findings))


def report(findings):
    for path, no, token, why in findings:
        print(f"{path}:{no}: {why}: {token}")


# --- self-test ---------------------------------------------------------------------------------------------------

def self_test():
    notes = "../" + "shar" + "ed/"
    tree = {
        "README.md": "See [the docs](docs/guide.md) and docs/gone.md. Output in build/patroni_exporter.\n"
                     "Fixtures: `tests/testdata/**/*.prom`, `tests/testdata/<a stem>.json`, `rules/*.yml`.\n"
                     "Links: [ok](docs/guide.md#part), [stale](docs/old.md), [web](https://example.com/docs/x.md).\n",
        "docs/guide.md": "Back to [the readme](../README.md); [gone](../CONTRIBUTING.md).\n",
        "collectors/a.h": "// Contract in collectors/a.h and collectors/a.{h,cc}; wired in exporter/wiring.cc.\n"
                          "/* Formerly collectors/old_collector.h.\n   See collectors/a.cc:12. */\n"
                          "const char* kUrl = \"http://x/tests/nope.txt\";  // a string, not a comment\n"
                          "const char* kNot = \"collectors/not_a_comment.h\";\n",
        "collectors/a.cc": "#include \"collectors/a.h\"\n// Why: " + notes + "PERF.md says so.\n"
                           "// Named as in a.h, not as in the deleted b_collector.h; see <x>_parse.cc.\n"
                           "// Pitfall 3 of " + "LAB" + "-NOTES.\n",
        "scripts/run.sh": "#!/usr/bin/env bash\n# Uses scripts/run.sh and scripts/missing.sh.\n"
                          "echo \"# not a comment: scripts/nope.sh\"  # but this is: scripts/nope2.sh\n"
                          "cat $LAB_DIR/tests/whatever  # $LAB_DIR/tests/x is not a repo path\n",
        "scripts/tool.py": '"""Tool: see scripts/tool.py and bench/none.py."""\n'
                           "x = 'scripts/in_a_string.py'  # scripts/gone.py\n",
        "tests/testdata/README.md": "Captured on the lab, originally delivered as " + notes[3:] + "fixtures/x.\n",
        "tests/testdata/a.prom": "",
        "tests/testdata/sub/b.prom": "",
        "tests/testdata/c.json": "",
        "rules/r.yml": "# rules/r.yml and rules/none.yml\n",
        "exporter/wiring.cc": "",
        "CMakeLists.txt": "add_library(x collectors/a.cc)  # built from collectors/a.cc, not collectors/z.cc\n",
    }
    expected = {
        ("README.md", 1, "docs/gone.md", "missing"),
        ("README.md", 3, "docs/old.md", "missing"),
        ("README.md", 3, "docs/old.md", "missing link target"),
        ("docs/guide.md", 1, "../CONTRIBUTING.md", "missing link target"),
        ("collectors/a.h", 2, "collectors/old_collector.h", "missing"),
        ("collectors/a.cc", 2, notes + "PERF.md", "names notes outside the repository"),
        ("collectors/a.cc", 3, "b_collector.h", "no such file in the tree"),
        ("collectors/a.cc", 4, "LAB" + "-NOTES", "names notes outside the repository"),
        ("scripts/run.sh", 2, "scripts/missing.sh", "missing"),
        ("scripts/run.sh", 3, "scripts/nope2.sh", "missing"),
        ("scripts/tool.py", 1, "bench/none.py", "missing"),
        ("scripts/tool.py", 2, "scripts/gone.py", "missing"),
        ("rules/r.yml", 1, "rules/none.yml", "missing"),
        ("CMakeLists.txt", 1, "collectors/z.cc", "missing"),
    }
    with tempfile.TemporaryDirectory() as root:
        for rel, content in tree.items():
            os.makedirs(os.path.join(root, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w", encoding="utf-8") as f:
                f.write(content)
        got = set(check(root))
    if got != expected:
        print("self-test FAILED", file=sys.stderr)
        for x in sorted(expected - got):
            print("  not found:   ", x, file=sys.stderr)
        for x in sorted(got - expected):
            print("  unexpected:  ", x, file=sys.stderr)
        return 1
    print(f"self-test ok: {len(expected)} stale references found, none of the good ones flagged")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", help="the repository to check")
    ap.add_argument("--self-test", action="store_true", help="check the checker on a temporary tree")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    if not args.root:
        ap.error("--root or --self-test")
    findings = check(os.path.abspath(args.root))
    report(findings)
    if findings:
        print(f"{len(findings)} stale path reference(s): fix the reference or the path "
              "(tests/docs/check_repo_paths.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
