#!/usr/bin/env bash
# devices.sh ACCEL — wall time of `accel devices --json`, first run (empty verdict cache) and
# with a warm cache, beside `python3 -c "import torch; print(torch.cuda.is_available())"` on the
# same machine in the same run. Prints a Markdown table and writes bench-devices.json.
# RUNS=N sets the number of timed runs per command (default 30).
set -euo pipefail
accel=$(readlink -f "${1:-build/accel}")
runs=${RUNS:-30}
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
export ACCEL_CACHE_DIR=$cache
command -v hyperfine >/dev/null || { echo "devices.sh: hyperfine is missing (scripts/deps.sh bench)" >&2; exit 1; }
py=/usr/bin/python3
# One hyperfine run per command: a --prepare would otherwise apply to every command.
hyperfine -N --warmup 1 --runs "$runs" --export-json "$cache/cold.json" \
  --command-name "accel devices --json (first run: empty cache)" \
  --prepare "rm -rf $cache/verdicts $cache/kernels" "$accel devices --json" >/dev/null
hyperfine -N --warmup 3 --runs "$runs" --export-json "$cache/warm.json" \
  --command-name "accel devices --json (warm cache)" "$accel devices --json" >/dev/null
hyperfine -N --warmup 1 --runs "$runs" --export-json "$cache/torch.json" \
  --command-name "python3 -c 'import torch; print(torch.cuda.is_available())'" \
  "$py -c 'import torch; print(torch.cuda.is_available())'" >/dev/null
$py - "$cache" <<'PY'
import json
import os, sys
r = []
for name in ("cold", "warm", "torch"):
    r += json.load(open(os.path.join(sys.argv[1], name + ".json")))["results"]
json.dump(r, open("bench-devices.json", "w"), indent=1)
print("| command | mean ms | median ms | min ms | runs |")
print("|---|---|---|---|---|")
for x in r:
    print(f"| `{x['command']}` | {x['mean']*1e3:.2f} | {x['median']*1e3:.2f} | {x['min']*1e3:.2f} | {len(x['times'])} |")
PY
