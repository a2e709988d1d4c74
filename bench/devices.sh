#!/usr/bin/env bash
# devices.sh ACCEL — wall time of `accel devices --json`, first run (empty verdict cache) and
# with a warm cache, beside `python3 -c "import torch; print(torch.cuda.is_available())"` on the
# same machine in the same run. Prints a Markdown table and writes bench-devices.json.
set -euo pipefail
accel=$(readlink -f "${1:-build/accel}")
runs=${RUNS:-30}
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
export ACCEL_CACHE_DIR=$cache
command -v hyperfine >/dev/null || { echo "devices.sh: hyperfine is missing (scripts/deps.sh bench)" >&2; exit 1; }
py=/usr/bin/python3
hyperfine -N --warmup 3 --runs "$runs" --export-json bench-devices.json \
  --command-name "accel devices --json (first run: empty cache)" \
  --prepare "rm -rf $cache/verdicts $cache/kernels" "$accel devices --json" \
  --command-name "accel devices --json (warm cache)" "$accel devices --json" \
  --command-name "python3 -c 'import torch; torch.cuda.is_available()'" \
  "$py -c 'import torch; print(torch.cuda.is_available())'" >/dev/null
$py - <<'PY'
import json
r = json.load(open("bench-devices.json"))["results"]
print("| command | mean ms | median ms | min ms | runs |")
print("|---|---|---|---|---|")
for x in r:
    print(f"| `{x['command']}` | {x['mean']*1e3:.2f} | {x['median']*1e3:.2f} | {x['min']*1e3:.2f} | {len(x['times'])} |")
PY
