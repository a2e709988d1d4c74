#!/usr/bin/env python3
"""check_call_loops.py — finds files of libaccel that call each other, and calls that go up
the layers (docs/architecture.md).

usage: check_call_loops.py OBJECT...        the library's object files (one per source file)
       check_call_loops.py --self-test [CC] compiles a planted loop, a planted upward call and
                                            a clean tree with CC (default: cc) and checks that
                                            the first two fail and the last passes

A loop of calls between files (util.c calling config.c, which calls util.c) means a helper
lives in the wrong file: the two cannot be understood, tested or layered one after the other.
A call from a lower layer into a higher one (the core calling a function of src/ops/) is the
same fault across folders. This reads the direct calls from each object's relocations
(objdump -r: calls and jumps from code to a function defined in another object; pointers in
tables, such as the backend and operation tables, are data and not counted), then reports
every strongly connected group of files and every call that the layering forbids. There are
no exceptions: any loop or upward call fails the test.
Exits 77 when objdump is missing or the objects carry no call relocations (LTO).
"""
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

CALL_RELOCS = {'R_X86_64_PLT32', 'R_X86_64_PC32', 'R_AARCH64_CALL26', 'R_AARCH64_JUMP26'}

# Calls each layer of src/ must never make: the layers a file may not call into (a pattern on
# the callee's path, which must not match `allowed`). Calls go downwards only: the core
# reaches discoverers, backends and operations through its tables (data), backends and
# discoverers stand on vendor/ and the core's base, operations call the core and the CPU
# backend's pool and SIMD level.
FORBIDDEN = [
    # (caller's folder, callee pattern, allowed exception, why)
    ('src/core/', r'src/(ops|backends|discover|vendor)/', None,
     'the core reaches these through its tables (core/backend.h, the operation table), '
     'never by a call'),
    ('src/vendor/', r'src/(ops|backends|discover)/', None,
     'vendor wrappers stand below everything but the core\'s base'),
    ('src/discover/', r'src/(ops|backends)/', None, 'discoverers never run operations or backends'),
    ('src/backends/', r'src/(ops|discover)/', None,
     'backends see operations as descriptors and never a discover/ file'),
    ('src/ops/', r'src/(discover|vendor|backends)/', r'src/backends/cpu/',
     'operations reach a device through the counting handle; only the CPU backend\'s pool '
     'and SIMD level are theirs to call'),
]


def source_name(obj):
    """CMakeFiles/accel_objects.dir/src/core/util.c.o -> src/core/util.c"""
    m = re.search(r'\.dir/(.*)\.o(bj)?$', obj.replace(os.sep, '/'))
    return m.group(1) if m else obj


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout


def read_calls(objs):
    """(defined symbols per file, called symbols per file, number of call relocations)"""
    defined, calls = {}, {}
    n_relocs = 0
    for o in objs:
        name = source_name(o)
        defined[name] = {l.split()[2] for l in run(['nm', o]).splitlines()
                         if len(l.split()) == 3 and l.split()[1] == 'T'}
        section, called = None, set()
        for line in run(['objdump', '-r', o]).splitlines():
            m = re.match(r'RELOCATION RECORDS FOR \[(.*)\]:', line)
            if m:
                section = m.group(1)
                continue
            parts = line.split()
            if section and section.startswith('.text') and len(parts) >= 3 and \
                    parts[1] in CALL_RELOCS:
                n_relocs += 1
                called.add(re.split(r'[-+]', parts[2])[0])
        calls[name] = called
    return defined, calls, n_relocs


def loops_of(graph, files):
    """Strongly connected groups of more than one file (Tarjan)."""
    index, low, stack, on, groups = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(frozenset(group))

    sys.setrecursionlimit(10000)
    for v in sorted(files):
        if v not in index:
            visit(v)
    return groups


def upward_calls(graph):
    """[(caller, callee, why)] for every call the layering forbids."""
    bad = []
    for a in sorted(graph):
        for b in sorted(graph[a]):
            for folder, pattern, allowed, why in FORBIDDEN:
                if a.startswith(folder) and re.match(pattern, b) and \
                        not (allowed and b.startswith(allowed)):
                    bad.append((a, b, why))
    return bad


def main(objs):
    if not shutil.which('objdump') or not shutil.which('nm'):
        print('SKIP: objdump or nm not found (binutils)')
        return 77
    defined, calls, n_relocs = read_calls(objs)
    if n_relocs == 0:
        print('SKIP: no call relocations in the objects (built with LTO?)')
        return 77
    owner = {s: f for f, syms in defined.items() for s in syms}
    graph, why = collections.defaultdict(set), collections.defaultdict(set)
    for f, called in calls.items():
        for s in called:
            g = owner.get(s)
            if g and g != f:
                graph[f].add(g)
                why[(f, g)].add(s)

    groups = loops_of(graph, defined)
    for group in groups:
        print('loop of %d files:' % len(group))
        for a in sorted(group):
            for b in sorted(graph[a] & group):
                print('    %s -> %s (%s)' % (a, b, ', '.join(sorted(why[(a, b)])[:4])))
    if groups:
        print('way out: move the helper that one side calls back into a file below both '
              '(docs/architecture.md, "Layers")')
    bad = upward_calls(graph)
    for a, b, reason in bad:
        print('upward call: %s -> %s (%s): %s' % (a, b, ', '.join(sorted(why[(a, b)])[:4]),
                                                   reason))
    print('%d files, %d loop(s), %d upward call(s)' % (len(defined), len(groups), len(bad)))
    return 1 if groups or bad else 0


# ---- self-test ---------------------------------------------------------------------------

PLANTED = {
    # name: ({path: source}, the exit code the check must give, a line it must print)
    'loop': ({'src/core/a.c': 'int b(void);\nint a(void) { return b() + 1; }\n',
              'src/core/b.c': 'int a(void);\nint b(void) { return a() - 1; }\n'},
             1, 'loop of 2 files'),
    'upward': ({'src/core/a.c': 'int op_x(void);\nint a(void) { return op_x(); }\n',
                'src/ops/x.c': 'int op_x(void) { return 3; }\n'},
               1, 'upward call: src/core/a.c -> src/ops/x.c (op_x)'),
    'clean': ({'src/core/a.c': 'int a(void) { return 2; }\n',
               'src/ops/x.c': 'int a(void);\nint op_x(void) { return a(); }\n',
               'src/ops/y.c': 'int cpu_pool(void);\nint op_y(void) { return cpu_pool(); }\n',
               'src/backends/cpu/pool.c': 'int cpu_pool(void) { return 1; }\n'},
              0, '0 loop(s), 0 upward call(s)'),
}


def self_test(cc):
    if not shutil.which('objdump') or not shutil.which('nm'):
        print('SKIP: objdump or nm not found (binutils)')
        return 77
    if not shutil.which(cc):
        print('SKIP: no C compiler %s to build the planted trees' % cc)
        return 77
    failed = 0
    for name, (files, want_rc, want_line) in PLANTED.items():
        with tempfile.TemporaryDirectory() as tmp:
            objs = []
            for rel, text in files.items():
                src = os.path.join(tmp, 'src_tree', rel)
                obj = os.path.join(tmp, 'planted.dir', rel + '.o')
                os.makedirs(os.path.dirname(src), exist_ok=True)
                os.makedirs(os.path.dirname(obj), exist_ok=True)
                with open(src, 'w') as f:
                    f.write(text)
                r = subprocess.run([cc, '-O0', '-fno-lto', '-c', src, '-o', obj],
                                   capture_output=True, text=True, check=False)
                if r.returncode != 0:
                    print('FAIL %s: %s could not compile %s: %s' % (name, cc, rel, r.stderr))
                    return 1
                objs.append(obj)
            r = subprocess.run([sys.executable, os.path.abspath(__file__)] + objs,
                               capture_output=True, text=True, check=False)
            ok = r.returncode == want_rc and want_line in r.stdout
            print('%s %s: exit %d (want %d), output %s "%s"' %
                  ('ok  ' if ok else 'FAIL', name, r.returncode, want_rc,
                   'has' if want_line in r.stdout else 'lacks', want_line))
            if not ok:
                print('    ' + r.stdout.replace('\n', '\n    '))
                failed += 1
    return 1 if failed else 0


if __name__ == '__main__':
    if len(sys.argv) >= 2 and sys.argv[1] == '--self-test':
        sys.exit(self_test(sys.argv[2] if len(sys.argv) > 2 else 'cc'))
    if len(sys.argv) < 2:
        print('usage: check_call_loops.py OBJECT... | --self-test [CC]', file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
