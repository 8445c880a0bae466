#!/usr/bin/env python3
"""Lists every public or open Swift declaration that has no `///` doc comment right above it.

Usage: scripts/check-doc-comments.py DIR_OR_FILE...   (e.g. Sources/DSP Sources/Analysis)

Counted: declarations marked `public` or `open` (func, var, let, init, subscript, struct, class, enum, actor,
protocol, typealias, associatedtype, case), the members of a `public extension` and the requirements of a public
protocol (public without saying so), and the cases of a public enum. A declaration is documented when the line
above it (skipping attribute lines such as `@inlinable`) is a `///` line or ends a `/** ... */` block. Extensions
themselves are not counted: they name no new symbol.

Prints `path:line: kind name` per undocumented declaration, then one `Module: N undocumented of M public` line
per folder under Sources (or per argument), and exits 1 if any declaration is undocumented. Python 3, no
dependencies; a line-based reader that skips string literals and comments when it tracks braces.
"""

import os
import re
import sys

DECL_KEYWORDS = (
    "func", "var", "let", "init", "subscript", "struct", "class", "enum", "actor", "protocol", "typealias",
    "associatedtype", "case", "extension",
)
MODIFIERS = {
    "public", "open", "package", "internal", "fileprivate", "private", "final", "static", "class", "override",
    "mutating", "nonmutating", "convenience", "required", "nonisolated", "lazy", "dynamic", "indirect", "weak",
    "unowned", "optional", "borrowing", "consuming", "isolated", "distributed", "prefix", "postfix", "infix",
}
NOT_PUBLIC = {"package", "internal", "fileprivate", "private"}
SCOPE_KINDS = {"struct", "class", "enum", "actor", "protocol", "extension"}


def code_lines(text):
    """Returns (line, starts_in_code, depth_at_start) for each line: whether the line begins outside any string
    literal, comment or interpolation, and the brace depth before it."""
    # Lexer contexts on a stack: ("code", None) at the bottom; ("code", parens) inside a string interpolation;
    # ("str", (quotes, hashes)); ("block", None) for /* */ (nests); ("line", None) for // to the end of the line.
    stack = [("code", None)]
    depth = 0
    states = [(True, 0)]
    string_start = re.compile(r'(#*)("""|")')
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        kind, info = stack[-1]
        if c == "\n":
            if kind == "line":
                stack.pop()
            states.append((len(stack) == 1, depth))
            i += 1
            continue
        if kind == "line":
            i += 1
        elif kind == "block":
            if text.startswith("*/", i):
                stack.pop()
                i += 2
            elif text.startswith("/*", i):
                stack.append(("block", None))
                i += 2
            else:
                i += 1
        elif kind == "str":
            quotes, hashes = info
            escape = "\\" + "#" * hashes
            if text.startswith(escape + "(", i):
                stack.append(("code", 0))
                i += len(escape) + 1
            elif text.startswith(escape, i):
                i += len(escape) + 1
            elif text.startswith('"' * quotes + "#" * hashes, i):
                stack.pop()
                i += quotes + hashes
            else:
                i += 1
        elif text.startswith("//", i):
            stack.append(("line", None))
            i += 2
        elif text.startswith("/*", i):
            stack.append(("block", None))
            i += 2
        elif (m := string_start.match(text, i)) is not None:
            stack.append(("str", (len(m.group(2)), len(m.group(1)))))
            i = m.end()
        else:
            if info is None:
                depth += {"{": 1, "}": -1}.get(c, 0)
            elif c == "(":
                stack[-1] = ("code", info + 1)
            elif c == ")":
                if info == 0:
                    stack.pop()
                else:
                    stack[-1] = ("code", info - 1)
            i += 1
    return [(line, in_code, d) for line, (in_code, d) in zip(text.split("\n"), states)]


ATTRIBUTE = re.compile(r"@\w+(\([^)]*\))?\s*")
ACCESS_SETTER = re.compile(r"\b(public|open|package|internal|fileprivate|private)\((set)\)\s*")


def parse_decl(stripped):
    """(modifiers, keyword, name) when the line starts a declaration, else None."""
    s = stripped
    while s.startswith("@"):
        m = ATTRIBUTE.match(s)
        if not m:
            return None
        s = s[m.end():]
    s = ACCESS_SETTER.sub("", s)
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*|\S", s)
    mods = []
    k = 0
    while k < len(words):
        w = words[k]
        # `class func` / `class var` use `class` as a modifier; `class Name` declares a class.
        class_modifier = w == "class" and k + 1 < len(words) and words[k + 1] in MODIFIERS | set(DECL_KEYWORDS)
        if w in DECL_KEYWORDS and not class_modifier:
            name = ""
            rest = words[k + 1 :]
            if w == "init" or w == "subscript":
                name = w
            elif rest:
                name = rest[0]
                if name == "`" and len(rest) > 1:
                    name = rest[1]
            return mods, w, name
        if w in MODIFIERS:
            mods.append(w)
            k += 1
            continue
        return None
    return None


def documented(lines, idx):
    """Whether the declaration on line idx has a doc comment above it (attribute lines may sit between)."""
    j = idx - 1
    while j >= 0:
        prev = lines[j][0].strip()
        if prev.startswith("@") and parse_decl(prev) is None:  # an attribute line, not `@Wrapper public var`
            j -= 1
            continue
        if prev.startswith("///"):
            return True
        if prev.endswith("*/"):
            # Walk up to the start of the block: it must open with /**.
            while j >= 0 and "/*" not in lines[j][0]:
                j -= 1
            return j >= 0 and "/**" in lines[j][0]
        return False
    return False


def check_file(path):
    """(public count, [(line number, kind, name)] undocumented)."""
    with open(path, encoding="utf-8") as f:
        lines = code_lines(f.read())
    # Open scopes: depth of their body -> (kind, members are public without saying so).
    scopes = {}
    total = 0
    missing = []
    for idx, (line, in_code, depth) in enumerate(lines):
        for d in [d for d in scopes if d > depth]:
            del scopes[d]
        if not in_code:
            continue
        stripped = line.strip()
        decl = parse_decl(stripped)
        if decl is None:
            continue
        mods, kind, name = decl
        parent = scopes.get(depth)
        explicit = "public" in mods or "open" in mods
        hidden = any(m in NOT_PUBLIC for m in mods)
        implicit = False
        if parent is not None and not hidden:
            pkind, pimplicit = parent
            if pkind == "enum" and kind == "case":
                implicit = pimplicit
            elif pkind in ("extension", "protocol") and kind != "case":
                implicit = pimplicit
        is_public = explicit or implicit
        if kind in SCOPE_KINDS:
            # Members of a public extension or protocol are public unless marked; an enum's cases follow the enum.
            inherits = is_public and kind in ("extension", "protocol", "enum")
            scopes[depth + 1] = (kind, inherits)
        if not is_public or kind == "extension":
            continue
        if kind == "case" and parent is None:
            continue
        total += 1
        if not documented(lines, idx):
            missing.append((idx + 1, kind, name))
    return total, missing


def swift_files(arg):
    if os.path.isfile(arg):
        yield arg
        return
    for root, dirs, files in os.walk(arg):
        dirs.sort()
        for f in sorted(files):
            if f.endswith(".swift"):
                yield os.path.join(root, f)


def module_of(path, arg):
    parts = os.path.normpath(path).split(os.sep)
    if "Sources" in parts and parts.index("Sources") + 1 < len(parts) - 1:
        return parts[parts.index("Sources") + 1]
    if "Tests" in parts and parts.index("Tests") + 1 < len(parts) - 1:
        return parts[parts.index("Tests") + 1]
    return os.path.normpath(arg)


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    summary = {}
    any_missing = False
    for arg in argv:
        if not os.path.exists(arg):
            print(f"{arg}: no such file or folder", file=sys.stderr)
            return 2
        for path in swift_files(arg):
            total, missing = check_file(path)
            module = module_of(path, arg)
            t, m = summary.get(module, (0, 0))
            summary[module] = (t + total, m + len(missing))
            for line, kind, name in missing:
                any_missing = True
                print(f"{path}:{line}: {kind} {name}")
    for module, (total, missing) in summary.items():
        print(f"{module}: {missing} undocumented of {total} public")
    return 1 if any_missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
