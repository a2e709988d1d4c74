#!/usr/bin/env bash
# slurm_local.sh ACCEL WORK — a corpus run under a real Slurm: starts a single-node cluster on
# localhost (munged, slurmctld and slurmd from Debian's munge and slurm-wlm, with a
# slurm.conf, key, state and logs of its own under WORK, listening on free ports), submits the
# job array of docs/cluster.md over a small corpus — `accel audio features --manifest …
# --shard auto --resume --log …`, one task per shard — waits for it, and checks that the
# tasks' outputs are exactly the inputs' (each in the shard its path hashes to), that every
# task's log reads line by line and ends with its summary, and that resubmitting the array
# skips everything. The daemons are this script's own processes, stopped by their PIDs at
# the end. Exit 77 with the reason when Slurm cannot be started here (not root, packages
# absent, a daemon that does not come up).
set -u
accel=$(realpath "$1")
work=$2
here=$(cd "$(dirname "$0")" && pwd)
skip() { echo "SKIP: $*" >&2; exit 77; }
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

[ "$(id -u)" = 0 ] || skip "slurmd runs jobs as their users and must be started as root"
for b in munged slurmctld slurmd sbatch sinfo squeue scontrol; do
  command -v $b >/dev/null 2>&1 || skip "$b is not installed (Debian: apt-get install slurm-wlm munge; scripts/deps.sh test)"
done

rm -rf "$work"
mkdir -p "$work"/{state,spool,logs,munge}
chmod 700 "$work/munge"
work=$(realpath "$work")
pids=()
stop() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
  done
}
trap stop EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- munge: a key and a socket of this run's own --------------------------------------------
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munged --foreground --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" \
  --seed-file="$work/munge/munged.seed" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$work/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$work/munge/munge.socket" ] || skip "munged did not start: $(tail -3 "$work/munge/munged.log" 2>/dev/null)"

# ---- slurm.conf ----------------------------------------------------------------------------
node=accel-test-node
cpus=$(nproc)
cat >"$work/slurm.conf" <<CONF
ClusterName=accel-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/logs/slurmctld.log
SlurmdLogFile=$work/logs/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SlurmdTimeout=30
NodeName=$node NodeHostname=$(hostname) NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"
slurmctld -D -f "$SLURM_CONF" >"$work/logs/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N "$node" -f "$SLURM_CONF" >"$work/logs/slurmd.out" 2>&1 &
pids+=($!)
up=0
for _ in $(seq 150); do
  if sinfo -h -N -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then up=1; break; fi
  sleep 0.2
done
if [ $up = 0 ]; then
  echo "--- slurmctld" >&2; tail -5 "$work/logs/slurmctld.log" "$work/logs/slurmctld.out" >&2 2>/dev/null
  echo "--- slurmd" >&2; tail -5 "$work/logs/slurmd.log" "$work/logs/slurmd.out" >&2 2>/dev/null
  skip "the local Slurm did not come up (node state: $(sinfo -h -N -o '%t' 2>&1 | head -1))"
fi
echo "slurm: node $node up with $cpus CPUs"

# ---- the corpus and the job array of docs/cluster.md -----------------------------------------
/usr/bin/python3 "$here/../corpus/make_wavs.py" "$work/clips" 30 1 || exit 1
ls "$work"/clips/*.wav >"$work/m.txt"
tasks=3
cat >"$work/job.sh" <<JOB
#!/bin/bash
#SBATCH --job-name=accel-features
#SBATCH --array=0-$((tasks - 1))
#SBATCH --cpus-per-task=1
#SBATCH --output=$work/logs/task-%A_%a.out
export ACCEL_NUM_THREADS=\${SLURM_CPUS_PER_TASK:-1} ACCEL_BACKEND=cpu
"$accel" audio features --manifest "$work/m.txt" --preset whisper-80 -o "$work/out" \\
  --shard auto --resume --log "$work/logs/features-\${SLURM_ARRAY_TASK_ID}.jsonl"
JOB
submit() {
  local out
  out=$(timeout 240 sbatch --wait --parsable "$work/job.sh" 2>&1)
  local rc=$?
  echo "sbatch: $out (exit $rc)"
  return $rc
}
t0=$(date +%s.%N)
submit || fail "the job array failed: $(cat "$work"/logs/task-*.out 2>/dev/null | tail -5)"
echo "the array of $tasks tasks over 30 clips took $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }") s"

# ---- what the tasks did --------------------------------------------------------------------------
/usr/bin/python3 - "$work" "$tasks" first <<'PY' || fail "the tasks' outputs or logs are wrong"
import json, os, sys
work, tasks, round_ = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def fnv(b):
    h = 0xcbf29ce484222325
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h
paths = open(os.path.join(work, "m.txt")).read().split()
outs = sorted(os.listdir(os.path.join(work, "out")))
want = sorted(os.path.splitext(os.path.basename(p))[0] + ".npy" for p in paths)
assert outs == want, ("outputs", outs, want)
seen = {}
for t in range(tasks):
    lines = open(os.path.join(work, "logs", "features-%d.jsonl" % t)).read().splitlines()
    objs = [json.loads(l) for l in lines]
    summaries = [o for o in objs if o.get("summary")]
    assert summaries and objs[-1].get("summary"), ("task %d: no summary at the end" % t)
    for o in objs:
        if o.get("summary"):
            continue
        assert fnv(o["path"].encode()) % tasks == t, ("task %d logged a path of another shard" % t, o["path"])
        seen.setdefault(o["path"], []).append(o["status"])
for p in paths:
    st = seen.get(p)
    assert st, ("never logged", p)
    if round_ == "first":
        assert st == ["done"], (p, st)
    else:
        assert st == ["done", "skipped"], (p, st)
print("%d paths, each done once by the task of its shard" % len(paths))
PY

# ---- resubmitted: everything is skipped --------------------------------------------------------
submit || fail "the resubmitted array failed"
/usr/bin/python3 - "$work" "$tasks" second <<'PY' || fail "the resubmitted array did not skip every output"
import json, os, sys
work, tasks = sys.argv[1], int(sys.argv[2])
for t in range(tasks):
    last = json.loads(open(os.path.join(work, "logs", "features-%d.jsonl" % t)).read().splitlines()[-1])
    assert last["summary"] and last["done"] == 0 and last["failed"] == 0 and last["skipped"] > 0, last
print("resubmitted: every task skipped its shard")
PY

# ---- an array with gaps: every task refuses it, the one below the gap too ----------------------
# (Slurm gives --array=1,5 COUNT 2, MIN 1, MAX 5 in both tasks; task 1 alone cannot tell from
# COUNT and MIN that shard 1/2 will never run)
sed -e "s/^#SBATCH --array=.*/#SBATCH --array=1,5/" -e "s|-o \"$work/out\"|-o \"$work/gap\"|" \
  -e "s|task-%A_%a.out|gap-%a.out|" -e "s|features-|gap-|" "$work/job.sh" >"$work/gap.sh"
grep -q -- "-o \"$work/gap\"" "$work/gap.sh" || fail "cannot make the job script with gaps"
timeout 240 sbatch --wait --parsable "$work/gap.sh" >/dev/null 2>&1 && fail "the array with gaps succeeded"
for t in 1 5; do
  grep -q "SLURM_ARRAY_TASK_MAX=5 is not" "$work/logs/gap-$t.out" 2>/dev/null ||
    fail "task $t of --array=1,5 did not refuse the gap: $(cat "$work/logs/gap-$t.out" 2>&1)"
done
[ -n "$(ls -A "$work/gap" 2>/dev/null)" ] && fail "the array with gaps wrote outputs: $(ls "$work/gap")"
echo "an array with gaps: both tasks refused it"

if [ $fails -eq 0 ]; then
  stop
  trap - EXIT
  rm -rf "$work"
  echo ok
fi
exit $((fails > 0))
