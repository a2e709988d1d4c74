#!/usr/bin/env bash
# test_devices_query.sh ACCEL BUILD — `accel devices --query` and `--watch` against the
# stand-in CUDA driver and NVML (tests/fakes/ok): nvidia-smi's field names and units, [N/A]
# for what a device does not report, aliases, every format, a watch of N readings with one CSV
# header, Ctrl-C ending a watch cleanly, and the usage errors.
set -u
accel=$1 build=$2
[ -e "$build/fakes/ok/libcuda.so.1" ] || { echo "SKIP: the stand-in drivers are not built"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LD_LIBRARY_PATH=$build/fakes/ok ACCEL_CACHE_DIR=$tmp/cache
fail=0
check() { local what=$1; shift; if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=1; fi; }

q=index,name,memory.used,memory.total,utilization.gpu,temperature.gpu,power.draw,power.limit,processes,source
"$accel" devices --query $q --format csv >"$tmp/q.csv"
cat "$tmp/q.csv"
check "the CSV header: names, and units as nvidia-smi's nounits form" \
  test "$(head -n 1 "$tmp/q.csv" | tr -d '\r')" = "index,name,memory.used [MiB],memory.total [MiB],utilization.gpu [%],temperature.gpu,power.draw [W],power.limit [W],processes,source"
check "the H100's row (NVML v2: 768 MiB used; this process and process 1)" \
  grep -qx $'0,Fake H100,768,81920,7,41,71.00,700.00,2,nvml\r' "$tmp/q.csv"
check "the T4's row" grep -qx $'1,Fake T4,1792,16384,3,52,27.00,70.00,0,nvml\r' "$tmp/q.csv"
check "the CPU: no temperature sensor figure is invented" \
  grep -qE $'^[0-9]+,[^,]+,[0-9]+,[0-9]+,[0-9]+,(\\[N/A\\]|[0-9]+),(\\[N/A\\]|[0-9.]+),(\\[N/A\\]|[0-9.]+),0,procfs\r$' "$tmp/q.csv"

"$accel" devices --query-gpu gpu_name,gpu_bus_id,driver_version,usable --format csv >"$tmp/alias.csv"
check "nvidia-smi's spellings are accepted" grep -qx $'Fake H100,0000:41:00.0,550.54.14,yes\r' "$tmp/alias.csv"

"$accel" devices --query index,memory.used,utilization.gpu,usable --json >"$tmp/q.json"
check "JSON: numbers, booleans, and null for what is not reported" /usr/bin/python3 - "$tmp/q.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
devs = d['devices']
assert d['timestamp'] and devs[0] == {'index': 0, 'memory.used': 768, 'utilization.gpu': 7, 'usable': True}, devs[0]
assert any(x['memory.used'] is None or x['utilization.gpu'] is None for x in devs), devs
PY

"$accel" devices --query index,timestamp,memory.used --watch 0.2 --iterations 3 --format csv >"$tmp/w.csv"
n=$("$accel" devices --query index --format csv | tail -n +2 | wc -l)
check "a watch of 3 readings: one header, 3 rows per device" test "$(wc -l <"$tmp/w.csv")" = $((1 + 3 * n))
check "the readings' timestamps move" test "$(cut -d, -f2 "$tmp/w.csv" | tail -n +2 | sort -u | wc -l)" -ge 3
"$accel" devices --watch 0.1 --iterations 2 >"$tmp/w.txt"
check "--watch alone: the live fields, a timestamp over each table" \
  test "$(grep -c 'memory.used \[MiB\]' "$tmp/w.txt")" = 2
"$accel" devices --query index,memory.used --watch 0.1 --iterations 2 --json >"$tmp/w.jsonl"
check "--watch --json: one JSON document per line" /usr/bin/python3 -c "
import json,sys; ls=open('$tmp/w.jsonl').read().splitlines(); assert len(ls)==2, ls; [json.loads(l) for l in ls]"
"$accel" devices --query name,memory.total --format md >"$tmp/q.md"
check "Markdown" grep -q '| Fake H100 | *81920 |' "$tmp/q.md"

# Ctrl-C ends a watch after its round: exit 0, whole lines
"$accel" devices --query index,memory.used --watch 0.1 --format csv >"$tmp/int.csv" &
p=$!
sleep 1
kill -INT $p
wait $p
rc=$?
check "SIGINT ends --watch with status 0" test $rc = 0
check "… leaving whole CSV lines" bash -c "tail -c 2 '$tmp/int.csv' | od -c | grep -q '\\\\r  *\\\\n'"

"$accel" devices --query name,memory.usd 2>"$tmp/e1" ; r1=$?
check "an unknown field: exit 2 with the nearest and the list" \
  bash -c "[ $r1 = 2 ] && grep -q \"unknown --query field 'memory.usd'; did you mean 'memory.used'?\" '$tmp/e1'"
for q in '' 'index,,name' 'index,'; do
  "$accel" devices --query "$q" >"$tmp/o4" 2>"$tmp/e4"; r4=$?
  check "an empty field in --query '$q': exit 2, said, nothing printed" \
    bash -c "[ $r4 = 2 ] && grep -q 'an empty field name; allowed' '$tmp/e4' && [ ! -s '$tmp/o4' ]"
done
# a field given twice, under its name or nvidia-smi's, would be a JSON key twice: refused
for q in 'index,index' 'uuid,gpu_uuid'; do
  "$accel" devices --query "$q" --json >"$tmp/o5" 2>"$tmp/e5"; r5=$?
  check "a field twice in --query '$q': exit 2, said, nothing printed" \
    bash -c "[ $r5 = 2 ] && grep -q 'is given twice' '$tmp/e5' && [ ! -s '$tmp/o5' ]"
done
"$accel" devices --iterations 3 2>"$tmp/e2"; r2=$?
check "--iterations without --watch: exit 2" bash -c "[ $r2 = 2 ] && grep -q 'give --watch SECONDS too' '$tmp/e2'"
"$accel" devices --watch 1 -o "$tmp/never.csv" --format csv 2>"$tmp/e3"; r3=$?
check "--watch -o FILE without --iterations: exit 2" bash -c "[ $r3 = 2 ] && grep -q 'never completes' '$tmp/e3'"
"$accel" devices --watch 0.1 --iterations 2 -o "$tmp/two.csv" --format csv --query index
check "--watch -o FILE with --iterations: written" test "$(wc -l <"$tmp/two.csv")" = $((1 + 2 * n))
exit $fail
