#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The project's source rules (CONTRIBUTING.md), made executable in the
spirit of fwupd's contrib/ci/check-source.py. Prints one line per problem,
"path:line: rule-id: what and what to do", and exits 1 when there is any.

  check-source.py [--root DIR] [FILE...]

--root scans another tree laid out like this one (the fixtures under
tests/check-source/ use it to prove each rule can fail).

Rules:
  gerror-deref       a caller's GError ** is never dereferenced: use a local
                     error and g_propagate_error / g_propagate_prefixed_error
  static-mutable     no mutable static variable (file scope or function
                     scope) in src/core, src/cli or protocols: state lives
                     in objects; main() may keep its own locals
  memset-secret      secrets are wiped with OPENSSL_cleanse (or
                     explicit_bzero), never memset, which the compiler may drop
  assert-side-effect tests never put a call or an assignment inside g_assert(),
                     which G_DISABLE_ASSERT compiles away
  core-include       src/core never includes a front end's, the server's, the
                     simulator's or another folder's private header
  function-prefix    every function, static ones too, carries its file's
                     prefix (ir-foo-bar.c: ir_foo_bar_*, or the file's
                     one job named as the file: ir_foo_bar(); a name starting
                     with a digit takes ir_ first: 3gpp-host.c:
                     ir_3gpp_host_*), or that of a type
                     the file defines, or (exported) that of the header
                     beside it that declares it
"""

import argparse
import os
import re
import sys

SCAN_DIRS = ("src", "protocols", "tests", "bench")
SKIP_DIRS = ("tests/check-source",)

# Rule exceptions, each narrow and explained; remove an entry when its
# reason is gone.
EXCEPTIONS = {
    # issue 11 (log engineer): one SHA-256 context per thread for the Merkle
    # tree's tens of millions of hashes; a thread-local key, not shared state
    ("static-mutable", "src/core/log/ir-merkle.c", "GPrivate sha256_ctx_key"),
}

RULES = (
    "gerror-deref",
    "static-mutable",
    "memset-secret",
    "assert-side-effect",
    "core-include",
    "function-prefix",
)

SECRET_WORDS = r"(pass|passphrase|password|pin|secret|priv|private|key|seed)"


def strip_comments_and_strings(text):
    """Blanks out comments and string/char literals, keeping line breaks,
    so that rules see code only."""
    out = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1 : j]) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


class Checker:
    def __init__(self, root):
        self.root = root
        self.problems = []
        self.header_cache = {}

    def report(self, rel, lineno, rule, message, detail=None):
        if (rule, rel, detail) in EXCEPTIONS:
            return
        self.problems.append(f"{rel}:{lineno}: {rule}: {message}")

    def files(self):
        for top in SCAN_DIRS:
            base = os.path.join(self.root, top)
            for dirpath, dirnames, filenames in os.walk(base):
                rel_dir = os.path.relpath(dirpath, self.root)
                dirnames[:] = sorted(
                    d
                    for d in dirnames
                    if not any(
                        os.path.join(rel_dir, d).startswith(s) for s in SKIP_DIRS
                    )
                    and not d.startswith("build")
                )
                for name in sorted(filenames):
                    if name.endswith((".c", ".h")):
                        yield os.path.join(rel_dir, name)

    def check_file(self, rel):
        with open(os.path.join(self.root, rel), encoding="utf-8", errors="replace") as f:
            raw = f.read()
        code = strip_comments_and_strings(raw)
        lines = code.split("\n")
        raw_lines = raw.split("\n")
        self.check_gerror_deref(rel, lines)
        if rel.startswith(("src/core/", "src/cli/", "protocols/")) and not os.path.basename(
            rel
        ).startswith("test-"):
            self.check_static_mutable(rel, lines)
        self.check_memset_secret(rel, lines)
        if rel.startswith("tests/"):
            self.check_assert_side_effect(rel, lines)
        if rel.startswith("src/core/"):
            self.check_core_include(rel, raw_lines)
        if rel.endswith(".c"):
            for lineno, name, prefixes in self.prefix_violations(rel, lines):
                self.report(
                    rel,
                    lineno,
                    "function-prefix",
                    f"{name}() does not start with {' or '.join(prefixes)}: "
                    "name it after its file (or move it to a file of its own)",
                )

    # ---- the rules ----

    def check_gerror_deref(self, rel, lines):
        # "*error" read or written, where error is a GError ** parameter;
        # "GError **error" itself is the declaration, not a dereference
        pat = re.compile(r"(?<![\w*])\*\s*error\b(?!\s*(\*|->))")
        decl = re.compile(r"GError\s*\*+\s*error\b")
        for i, line in enumerate(lines, 1):
            # GLib's own precondition idiom only compares the pointer
            if re.search(r"\bg_return_\w*if_fail\s*\(\s*error == NULL \|\| \*error == NULL", line):
                continue
            if any(
                not re.search(r"[\w)\]]\s*$", line[: m.start()])
                for m in pat.finditer(decl.sub("", line))
            ):
                self.report(
                    rel,
                    i,
                    "gerror-deref",
                    "dereferences a caller's GError **: use a local GError and "
                    "g_propagate_error() / g_propagate_prefixed_error()",
                )

    def check_static_mutable(self, rel, lines):
        pat = re.compile(r"^\s*static\s+(?!inline\b)(.*)$")
        for i, line in enumerate(lines, 1):
            m = pat.match(line)
            if m is None:
                continue
            # the declaration up to its "=", ";", "[" or "{", across lines
            # (GNOME style puts a function's name on the next line)
            decl = " ".join([m.group(1)] + lines[i : i + 3])
            head = re.split(r"[=;\[{]", decl, maxsplit=1)[0]
            if "(" in head:
                continue  # a function, or a function's declaration
            if self.declarator_is_const(head):
                continue
            if self.static_is_write_once(head, lines, i):
                continue
            self.report(
                rel,
                i,
                "static-mutable",
                f"mutable static '{head.strip()}': keep state in an object (or in "
                "main()), or make it const",
                head.strip(),
            )

    @staticmethod
    def static_is_write_once(head, lines, index):
        """Written once and never again: a GObject class's signal ids and
        param specs (set in class_init), and a function's g_once cache."""
        if re.match(r"\s*(guint|GParamSpec\s*\*)\s*\w*(signals|props|pspecs)\b", head):
            return True
        if re.match(r"\s*GOnce\b", head):
            return True
        following = "\n".join(lines[index : index + 6])
        return lines[index - 1].startswith((" ", "\t")) and "g_once_init_enter" in following

    @staticmethod
    def declarator_is_const(head):
        if "*" in head:
            # pointer: the pointer itself must be const ("*const name")
            return re.match(r"\s*const\b", head.rsplit("*", 1)[1]) is not None
        return re.search(r"\bconst\b", head) is not None

    def check_memset_secret(self, rel, lines):
        pat = re.compile(
            r"\bmemset\s*\(\s*([^,]*" + SECRET_WORDS + r"[^,]*),\s*0\s*,", re.IGNORECASE
        )
        for i, line in enumerate(lines, 1):
            m = pat.search(line)
            if m is not None:
                self.report(
                    rel,
                    i,
                    "memset-secret",
                    f"memset() wipes {m.group(1).strip()}: the compiler may drop it; "
                    "use OPENSSL_cleanse()",
                )

    def check_assert_side_effect(self, rel, lines):
        start = re.compile(r"\bg_assert\s*\(")
        for i, line in enumerate(lines, 1):
            m = start.search(line)
            if m is None:
                continue
            arg = self.balanced(lines, i - 1, m.end())
            if re.search(r"\w\s*\(|(?<![=!<>])=(?!=)|\+\+|--", arg):
                self.report(
                    rel,
                    i,
                    "assert-side-effect",
                    "g_assert() around a call or an assignment: G_DISABLE_ASSERT "
                    "removes it; use g_assert_true() / g_assert_no_error() on a result",
                )

    @staticmethod
    def balanced(lines, index, col):
        """The text of a parenthesised argument starting at @col of line
        @index (after its opening parenthesis), across lines."""
        depth = 1
        out = []
        for line in lines[index:]:
            for c in line[col:]:
                if c == "(":
                    depth += 1
                elif c == ")":
                    depth -= 1
                    if depth == 0:
                        return "".join(out)
                out.append(c)
            col = 0
            out.append(" ")
        return "".join(out)

    def check_core_include(self, rel, raw_lines):
        folder = os.path.dirname(rel)
        pat = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
        for i, line in enumerate(raw_lines, 1):
            m = pat.match(line)
            if m is None:
                continue
            header = os.path.basename(m.group(1))
            wrong = None
            if re.match(r"ir-(cli|app|brandd|sim)[-.]|imei-(restore|brandd|sim)\b", header):
                wrong = "a front end's, the server's or the simulator's header"
            elif header.endswith("-private.h") and not os.path.exists(
                os.path.join(self.root, folder, header)
            ):
                wrong = "another folder's private header"
            if wrong is not None:
                self.report(
                    rel,
                    i,
                    "core-include",
                    f"core includes {header}, {wrong}: the dependency points the wrong "
                    "way (docs/architecture.md)",
                    header,
                )

    # ---- function prefixes ----

    def prefixes(self, rel, lines):
        base = os.path.basename(rel)[:-2]
        prefix = base.replace("-", "_") + "_"
        # an identifier cannot start with a digit: a file named after a
        # family such as 3gpp takes the project's ir_ before its name
        # (3gpp-host.c: ir_3gpp_host_*)
        if prefix[0].isdigit():
            prefix = "ir_" + prefix
        prefixes = [prefix]
        # a type the file (or its header) defines lends its prefix too
        texts = ["\n".join(lines)]
        header = os.path.join(self.root, rel[:-2] + ".h")
        if os.path.exists(header):
            with open(header, encoding="utf-8", errors="replace") as f:
                texts.append(strip_comments_and_strings(f.read()))
        for text in texts:
            types = re.findall(r"typedef struct _?(\w+)\s+\w+;", text)
            types += re.findall(r"G_DECLARE_\w+\s*\(\s*(\w+)", text)
            types += re.findall(r"typedef\s+(?:enum|struct)\s*\w*\s*\{[^{}]*\}\s*(\w+)\s*;", text)
            for t in types:
                prefixes.append(re.sub(r"(?<!^)(?=[A-Z])", "_", t).lower() + "_")
        return sorted(set(prefixes))

    def header_declarations(self, directory):
        """[(header prefix, code of the header)] for the headers of a folder."""
        if directory not in self.header_cache:
            found = []
            for name in sorted(os.listdir(os.path.join(self.root, directory))):
                if name.endswith(".h"):
                    path = os.path.join(self.root, directory, name)
                    with open(path, encoding="utf-8", errors="replace") as f:
                        code = strip_comments_and_strings(f.read())
                    # ir-token-private.h declares ir_token_* too
                    found.append((name[:-2].replace("-private", "").replace("-", "_") + "_", code))
            self.header_cache[directory] = found
        return self.header_cache[directory]

    def declared_by_own_header(self, rel, name, return_line):
        # one API spread over several files (ir-token.h's ir_token_* defined
        # in ir-token.c, ir-token-cose.c and ir-token-encode.c): an exported
        # function may carry the prefix of the header beside it that
        # declares it
        if re.search(r"\bstatic\b", return_line):
            return False
        for prefix, code in self.header_declarations(os.path.dirname(rel)):
            if name.startswith(prefix) and re.search(r"\b" + name + r"\s*\(", code):
                return True
        return False

    def interposed(self, rel):
        """The libc functions an LD_PRELOAD library of the tests replaces:
        those keep libc's name, dlsym (RTLD_NEXT, "name") finds the real one."""
        with open(os.path.join(self.root, rel), encoding="utf-8", errors="replace") as f:
            return set(re.findall(r'dlsym\s*\(\s*RTLD_NEXT\s*,\s*"(\w+)"', f.read()))

    def prefix_violations(self, rel, lines):
        prefixes = self.prefixes(rel, lines)
        interposed = self.interposed(rel)
        # a definition: a name and "(" at the start of a line, after a line
        # holding its return type (GNOME style), at brace depth 0
        depth = 0
        for i, line in enumerate(lines):
            if depth == 0 and i > 0:
                m = re.match(r"^([a-z_][a-z0-9_]*)\s*\(", line)
                prev = lines[i - 1].strip()
                if (
                    m is not None
                    and prev
                    and not prev.endswith((";", "}", ",", "\\"))
                    and not prev.startswith("#")
                ):
                    name = m.group(1)
                    if (
                        name != "main"
                        and not name.startswith(tuple(prefixes))
                        and name + "_" not in prefixes
                        and not self.declared_by_own_header(rel, name, prev)
                        and name not in interposed
                    ):
                        yield i + 1, name, prefixes
            depth += line.count("{") - line.count("}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--root",
        default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."),
    )
    parser.add_argument("--list-rules", action="store_true")
    parser.add_argument(
        "files", nargs="*", help="check only these C files (default: the whole tree)"
    )
    args = parser.parse_args()
    if args.list_rules:
        print("\n".join(RULES))
        return 0
    checker = Checker(os.path.abspath(args.root))
    if args.files:
        wanted = [os.path.relpath(os.path.abspath(f), checker.root) for f in args.files]
    else:
        wanted = checker.files()
    for rel in wanted:
        if rel.endswith((".c", ".h")):
            checker.check_file(rel)
    for problem in checker.problems:
        print(problem)
    if checker.problems:
        print(
            f"check-source: {len(checker.problems)} problem(s); CONTRIBUTING.md says why",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
