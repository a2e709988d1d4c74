#!/usr/bin/env python3
"""check_layers.py — enforces what each layer of libaccel may include (docs/architecture.md).

usage: check_layers.py SOURCE_ROOT        check the tree; exit 1 listing every violation
       check_layers.py --self-test        check that violations planted in a scratch tree are
                                          found (and a clean one passes)

Every `#include "..."` of a file under src/, tools/ and python/src/ is resolved to a file of the tree
(relative to the including file, then src/, then include/; names that resolve to nothing are
generated headers and are not judged) and checked against the rules of the including file's
layer. Two rules are also checked through the whole include chain, because they are what the
layering is for: operations never see the backend contract (core/backend.h: the device
entry and the ops table) nor a vendor API, so their device code can only use the counting
handle of core/devcall.h; and no backend sees a discover/ header.
"""
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

BASE = [  # what every layer may include: the public header and the core's common headers
    'include/accel.h', 'src/core/internal.h', 'src/core/text.h', 'src/core/kernels.h',
    'src/core/build_info.h',
]

# (layer, files it holds, what they may include directly, what they must never reach)
LAYERS = [
    ('kernels', r'src/kernels/', [r'src/kernels/'], []),
    ('vendor', r'src/vendor/', BASE + [r'src/vendor/'], []),
    ('core', r'src/core/', BASE + [r'src/core/'], [r'src/(discover|backends|ops|vendor)/']),
    ('discover', r'src/discover/',
     BASE + [r'src/core/backend\.h', r'src/core/config_file\.h', r'src/vendor/', r'src/discover/'],
     [r'src/(backends|ops)/']),
    ('backends', r'src/backends/',
     BASE + [r'src/core/backend\.h', r'src/core/devcall\.h', r'src/core/precision\.h',
             r'src/vendor/', r'src/backends/gpu/', r'{own}'],
     [r'src/(discover|ops)/']),
    ('ops', r'src/ops/',
     BASE + [r'src/core/devcall\.h', r'src/core/bench\.h', r'src/core/executor\.h',
             r'src/backends/cpu/(cpu|pool)\.h', r'src/ops/'],
     [r'src/core/backend\.h', r'src/vendor/', r'src/discover/']),
    ('tools', r'tools/',
     BASE + [r'src/core/', r'src/discover/(pci|doctor)\.h', r'src/ops/', r'tools/'],
     [r'src/core/backend\.h', r'src/backends/(cuda|hip|opencl|gpu)/']),
    # the Python extension is a program of the public API, linked with libaccel.a and built
    # outside the library's CMake targets (python/setup.py): nothing internal
    ('python', r'python/src/', [r'include/accel\.h', r'python/src/'], [r'src/']),
]


def own_folder(path):
    """src/backends/cuda/x.c -> src/backends/cuda/ (a backend may include its own folder)."""
    parts = path.split('/')
    return '/'.join(parts[:3]) + '/' if len(parts) > 3 else path


def layer_of(path):
    for layer in LAYERS:
        if path.startswith(layer[1]):
            return layer
    return None


def resolve(root, path, name):
    here = os.path.dirname(path)
    for base in (here, 'src', 'include'):
        cand = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(os.path.join(root, cand)):
            return cand.replace(os.sep, '/')
    return None


def sources(root):
    for top in ('src', 'tools', 'python/src'):
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                if f.endswith(('.c', '.h', '.kern')):
                    yield os.path.relpath(os.path.join(d, f), root).replace(os.sep, '/')


def check(root):
    graph = {}
    for path in sources(root):
        with open(os.path.join(root, path), encoding='utf-8', errors='replace') as f:
            text = f.read()
        graph[path] = []
        for m in INCLUDE.finditer(text):
            line = text.count('\n', 0, m.start()) + 1
            graph[path].append((m.group(1), line, resolve(root, path, m.group(1))))

    def reach(path, seen):
        for _, _, target in graph.get(path, []):
            if target and target not in seen:
                seen.add(target)
                reach(target, seen)
        return seen

    errors = []
    for path in sorted(graph):
        layer = layer_of(path)
        if not layer:
            continue
        name, _, allowed, forbidden = layer
        allowed = [a.replace('{own}', re.escape(own_folder(path))) for a in allowed]
        for inc, line, target in graph[path]:
            if target is None:
                continue  # generated at build time (cli_verbs.h, the embedded kernels)
            if not any(re.match(a, target) for a in allowed):
                errors.append('%s:%d: the %s layer may not include "%s" (%s)'
                              % (path, line, name, inc, target))
        for target in sorted(reach(path, set())):
            for f in forbidden:
                if re.match(f, target):
                    errors.append('%s: reaches %s through its includes; the %s layer must '
                                  'never see it' % (path, target, name))
    return errors, len(graph)


def self_test():
    """Plants one violation per rule in a copy-free scratch tree; each must be reported."""
    cases = {
        'src/ops/fam/dev.c': ('#include "core/backend.h"\n', 'may not include "core/backend.h"'),
        'src/ops/fam/cpu.c': ('#include "backends/cpu/cpu.h"\n', 'reaches src/core/backend.h'),
        'src/backends/cuda/x.c': ('#include "discover/cuda.h"\n', 'may not include'),
        'src/backends/hip/y.c': ('#include "backends/cuda/z.h"\n', 'may not include'),
        'src/core/c.c': ('#include "discover/cuda.h"\n', 'may not include'),
        'src/vendor/v.c': ('#include "core/backend.h"\n', 'may not include'),
        'tools/accel/t.c': ('#include "vendor/cuda_api.h"\n', 'may not include'),
        'python/src/p.c': ('#include "core/internal.h"\n', 'may not include'),
    }
    support = {
        'include/accel.h': '', 'src/core/internal.h': '#include "accel.h"\n',
        'src/core/backend.h': '#include "core/internal.h"\n',
        # a CPU header that (wrongly) pulls the backend contract in: ops reach it transitively
        'src/backends/cpu/cpu.h': '#include "core/backend.h"\n',
        'src/discover/cuda.h': '#include "core/backend.h"\n',
        'src/backends/cuda/z.h': '#include "core/internal.h"\n',
        'src/vendor/cuda_api.h': '#include "core/internal.h"\n',
    }
    failures = 0
    with tempfile.TemporaryDirectory() as root:
        def write(rel, text):
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), 'w') as f:
                f.write(text)
        for rel, text in support.items():
            write(rel, text)
        for rel, (text, _) in cases.items():
            write(rel, text)
        errors, _ = check(root)
        for rel, (_, want) in cases.items():
            hit = [e for e in errors if e.startswith(rel) and want in e]
            print('%-24s %s' % (rel, 'found: ' + hit[0] if hit else 'NOT FOUND'))
            failures += not hit
    with tempfile.TemporaryDirectory() as root:  # a clean tree passes
        for rel, text in {'include/accel.h': '', 'src/core/internal.h': '#include "accel.h"\n',
                          'src/core/devcall.h': '#include "core/internal.h"\n',
                          'src/ops/fam/ok.c': '#include "core/devcall.h"\n#include <stdio.h>\n'
                          }.items():
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), 'w') as f:
                f.write(text)
        errors, _ = check(root)
        print('clean tree: %s' % ('passes' if not errors else 'FAILS: ' + '; '.join(errors)))
        failures += bool(errors)
    print('self-test: %s' % ('ok' if not failures else '%d check(s) failed' % failures))
    return 1 if failures else 0


def main():
    if len(sys.argv) == 2 and sys.argv[1] == '--self-test':
        return self_test()
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    errors, n = check(sys.argv[1])
    for e in errors:
        print(e)
    print('%d files checked, %d violation(s)' % (n, len(errors)))
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
