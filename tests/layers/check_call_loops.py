#!/usr/bin/env python3
"""check_call_loops.py — finds files of libaccel that call each other (docs/architecture.md).

usage: check_call_loops.py OBJECT...    the library's object files (one per source file)

A loop of calls between files (util.c calling config.c, which calls util.c) means a helper
lives in the wrong file: the two cannot be understood, tested or layered one after the other.
This reads the direct calls from each object's relocations (objdump -r: calls and jumps from
code to a function defined in another object; pointers in tables, such as the backend and
operation registries, are data and not counted), then reports every strongly connected group
of files. Loops known and not yet untangled are listed in KNOWN with the way out; a loop not
listed fails the test, and a listed loop that is gone is reported so the list can shrink.
Exits 77 when objdump is missing or the objects carry no call relocations (LTO).
"""
import collections
import os
import re
import shutil
import subprocess
import sys

CALL_RELOCS = {'R_X86_64_PLT32', 'R_X86_64_PC32', 'R_AARCH64_CALL26', 'R_AARCH64_JUMP26'}

# Loops found when this check was written, each a set of files (paths as in the report); a
# loop is known when all its files are in one entry (which files take part depends on the
# architecture: the AVX or the NEON kernels).
KNOWN = {
    frozenset({'src/discover/doctor.c', 'src/discover/doctor_devices.c',
               'src/discover/doctor_hints.c', 'src/discover/doctor_host.c',
               'src/discover/doctor_libs.c', 'src/discover/doctor_nodes.c',
               'src/discover/doctor_opencl.c', 'src/discover/doctor_self.c'}):
        'the checks call back accel__doc_add/accel__doc_set_fix/accel__doc_lib_get in '
        'doctor.c, which calls the checks: the report they fill belongs in a leaf file '
        '(doctor_report.c), as devlist.c is for discovery',
    frozenset({'src/ops/audio/params.c', 'src/ops/audio/kern_generic.c',
               'src/ops/audio/kern_avx2.c', 'src/ops/audio/kern_avx512.c',
               'src/ops/audio/kern_neon.c'}):
        'params.c picks a kernel table (accel__audio_isa_for) while the kernels call '
        'params.c for accel__audio_sample_at/_frame_direct: the table choice belongs in a '
        'file of its own (isa.c)',
}


def source_name(obj):
    """CMakeFiles/accel_objects.dir/src/core/util.c.o -> src/core/util.c"""
    m = re.search(r'\.dir/(.*)\.o(bj)?$', obj.replace(os.sep, '/'))
    return m.group(1) if m else obj


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout


def main(objs):
    if not shutil.which('objdump') or not shutil.which('nm'):
        print('SKIP: objdump or nm not found (binutils)')
        return 77
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

    index, low, stack, on, groups = {}, {}, [], set(), []

    def visit(v):  # Tarjan's strongly connected components
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
    for v in sorted(defined):
        if v not in index:
            visit(v)

    def known_entry(group):
        return next((k for k in KNOWN if group <= k), None)

    new = 0
    for group in groups:
        entry = known_entry(group)
        known = KNOWN[entry] if entry else None
        print('%s loop of %d files:' % ('known' if known else 'NEW', len(group)))
        for a in sorted(group):
            for b in sorted(graph[a] & group):
                print('    %s -> %s (%s)' % (a, b, ', '.join(sorted(why[(a, b)])[:4])))
        if known:
            print('    way out: ' + known)
        else:
            new += 1
    for entry in KNOWN:
        if not any(g <= entry for g in groups):
            print('gone (remove it from KNOWN): ' + ', '.join(sorted(entry)))
    print('%d files, %d loop(s), %d new' % (len(defined), len(groups), new))
    return 1 if new else 0


if __name__ == '__main__':
    if len(sys.argv) < 2:
        print('usage: check_call_loops.py OBJECT...', file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
