#!/usr/bin/env python3
"""Lists functions (func, init, computed properties with bodies, closures are counted in their function) longer
than a limit, in the Swift files under the given folders. Exit 1 if any. Usage: check-function-length.py LIMIT DIR..."""
import os, re, sys

DECL = re.compile(r'^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|private|fileprivate|internal|static|class|mutating|nonisolated|override|final|@discardableResult)\s+)*(func\s+[^\s(<]+|init[?!]?\s*[(<]|var\s+\w+\s*:[^=]*\{\s*$)')

def strip(line):
    out, i, in_str = [], 0, False
    while i < len(line):
        c = line[i]
        if not in_str and line.startswith('//', i): break
        if c == '"' and (i == 0 or line[i-1] != '\\'): in_str = not in_str
        elif not in_str: out.append(c)
        i += 1
    return ''.join(out)

def functions(path):
    lines = open(path, encoding='utf-8').read().split('\n')
    i = 0
    while i < len(lines):
        m = DECL.match(lines[i])
        if m:
            depth, started, j = 0, False, i
            while j < len(lines):
                s = strip(lines[j])
                depth += s.count('{') - s.count('}')
                if '{' in s: started = True
                if started and depth <= 0: break
                if not started and j > i + 8: break
                j += 1
            if started:
                yield m.group(1).split('(')[0].strip(), i + 1, j - i + 1
        i += 1

limit = int(sys.argv[1]); bad = 0
for root in sys.argv[2:]:
    for dp, _, fs in os.walk(root):
        for f in sorted(fs):
            if f.endswith('.swift'):
                p = os.path.join(dp, f)
                for name, line, n in functions(p):
                    if n > limit:
                        print(f"{p}:{line}: {name} is {n} lines (limit {limit})"); bad += 1
print(f"{bad} function(s) over {limit} lines")
sys.exit(1 if bad else 0)
