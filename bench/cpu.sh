#!/usr/bin/env bash
# CPU per write, per node and per role, for Paxos and etcd on this machine (issue 17). Starts a
# 5-node cluster of each in turn (fresh data, fsync on), warms it up, then runs 'paxos bench
# --workload put' with CLIENTS clients and BALANCE balance, and reads each node's and the bench
# client's CPU time (utime + stime of /proc/PID/stat) at the start and the end of a window inside
# the measured run, and the machine's speed the client probed meanwhile (probe_ms on the sum
# row). Prints one row per process: its role, CPU microseconds per write, and the share of one
# core it used; then the sum over the nodes. Writes the rows as JSON lines to
# bench/results/STAMP-cpu.jsonl. Stops only the processes it started.
#
#   bash bench/cpu.sh
#
# Environment (optional): TARGETS (default "etcd paxos"), CLIENTS (1), BALANCE (request),
# VALUE_SIZE (100), DURATION measured seconds (12), PAXOS_BIN (default: the Release build, built
# first), PAXOS_BASE_PORT (7100), ETCD_BASE_PORT (23790), NODE_ENV extra environment for the Paxos
# nodes, e.g. NODE_ENV="DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0" to compare runtime settings.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=${TARGETS:-"etcd paxos"}
CLIENTS=${CLIENTS:-1}
BALANCE=${BALANCE:-request}
VALUE_SIZE=${VALUE_SIZE:-100}
DURATION=${DURATION:-12}
PAXOS_BASE_PORT=${PAXOS_BASE_PORT:-7100}
ETCD_BASE_PORT=${ETCD_BASE_PORT:-23790}
NODE_ENV=${NODE_ENV:-}
NODES=5
WARMUP=3
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="bench/results/$STAMP-cpu.jsonl"
WORK=$(mktemp -d -t paxos-cpu.XXXXXX)
PIDS=()
# shellcheck source=bench/lib.sh
source bench/lib.sh
log() { echo "[cpu] $*" >&2; }
clean_up_on_exit
use_release_build
mkdir -p bench/results
TICK=$(getconf CLK_TCK)

cpu_ticks() { # pid -> utime + stime in clock ticks (fields 14 and 15 of /proc/PID/stat)
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# Runs the bench against ENDPOINTS and measures the processes named in the caller's arrays
# NAMES/PROCS/ROLES; prints the table and appends JSON lines for TARGET.
measure() { # target, endpoints
  local target=$1 endpoints=$2 i
  "$PAXOS_BIN" bench --target "$target" --endpoints "$endpoints" --workload put --clients "$CLIENTS" \
    --balance "$BALANCE" --value-size "$VALUE_SIZE" --keys 1000 --duration "$DURATION" --warmup "$WARMUP" > "$WORK/bench.out" 2> "$WORK/bench.err" &
  local bench=$!
  PIDS+=("$bench")
  sleep $((WARMUP + 1))
  local window=$((DURATION - 2)) before=() after=()
  for pid in "${PROCS[@]}" "$bench"; do before+=("$(cpu_ticks "$pid")"); done
  sleep "$window"
  for pid in "${PROCS[@]}" "$bench"; do after+=("$(cpu_ticks "$pid")"); done
  wait "$bench"
  PIDS=("${PIDS[@]:0:${#PIDS[@]}-1}")
  local ops probe
  read -r ops probe < <(grep '^{' "$WORK/bench.out" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["ops_per_sec"], d.get("probe_ms", 0))')
  python3 - "$target" "$ops" "$window" "$TICK" "$CLIENTS" "$BALANCE" "$VALUE_SIZE" "${NAMES[*]} bench-client" "${ROLES[*]} client" "${before[*]}" "${after[*]}" "$NODE_ENV" "$probe" >> "$RESULTS" <<'EOF'
import json, sys
target, ops, window, tick, clients, balance, size = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], int(sys.argv[7])
names, roles = sys.argv[8].split(), sys.argv[9].split()
before, after = [int(x) for x in sys.argv[10].split()], [int(x) for x in sys.argv[11].split()]
writes = ops * window
total = 0.0
for name, role, b, a in zip(names, roles, before, after):
    seconds = (a - b) / tick
    us = seconds * 1e6 / writes
    if role != "client":
        total += us
    print(json.dumps({"target": target, "process": name, "role": role, "cpu_us_per_write": round(us, 1),
                      "core_share": round(seconds / window, 3), "ops_per_sec": ops, "clients": clients,
                      "balance": balance, "value_size": size, "node_env": sys.argv[12]}))
print(json.dumps({"target": target, "process": "all nodes", "role": "sum", "cpu_us_per_write": round(total, 1),
                  "ops_per_sec": ops, "clients": clients, "balance": balance, "value_size": size, "node_env": sys.argv[12],
                  "probe_ms": float(sys.argv[13])}))
EOF
  grep "\"target\": \"$target\"" "$RESULTS" | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    share = "%.2f core" % r["core_share"] if "core_share" in r else ""
    probe = "  machine probe %.1f ms" % r["probe_ms"] if r.get("probe_ms") else ""
    print("%-6s %-14s %-9s %8.1f us/write %10s  (%.0f writes/s)%s" % (r["target"], r["process"], r["role"], r["cpu_us_per_write"], share, r["ops_per_sec"], probe))'
}

for target in $TARGETS; do
  NAMES=() PROCS=() ROLES=()
  case $target in
    paxos)
      # shellcheck disable=SC2086 # NODE_ENV is a list of NAME=VALUE words
      env $NODE_ENV "$PAXOS_BIN" cluster --nodes "$NODES" --base-port "$PAXOS_BASE_PORT" --data-dir "$WORK/paxos" > "$WORK/paxos.log" 2>&1 &
      PIDS+=($!)
      for ((i = 0; i < NODES; i++)); do wait_for_port $((PAXOS_BASE_PORT + i)) 60; done
      EP=$(endpoints "$PAXOS_BASE_PORT")
      "$PAXOS_BIN" bench --endpoints "$EP" --workload mixed --clients 16 --duration 10 --warmup 0 > /dev/null
      "$PAXOS_BIN" status --endpoints "$EP" > "$WORK/status.txt"
      for ((i = 0; i < NODES; i++)); do
        NAMES+=("node-$i")
        PROCS+=("$(pgrep -f -- "--id node-$i( |$)" | head -1)")
        ROLES+=("$(awk -v id="node-$i" '$1 == id { print tolower($4) }' "$WORK/status.txt")")
      done
      measure paxos "$EP"
      stop_pids PIDS
      ;;
    etcd)
      ensure_etcd
      mkdir -p "$WORK/etcd"
      start_etcd_cluster "$NODES" "$ETCD_BASE_PORT" "$WORK/etcd" "paxos-cpu-$STAMP" PIDS
      EP=$(endpoints "$ETCD_BASE_PORT")
      "$PAXOS_BIN" bench --target etcd --endpoints "$EP" --workload mixed --clients 16 --duration 10 --warmup 0 > /dev/null
      for ((i = 0; i < NODES; i++)); do
        NAMES+=("etcd-$i")
        PROCS+=("${PIDS[$i]}")
        ROLES+=("$(curl -s -X POST "http://127.0.0.1:$((ETCD_BASE_PORT + i))/v3/maintenance/status" -d '{}' \
          | python3 -c 'import json, sys; s = json.load(sys.stdin); print("leader" if s["header"]["member_id"] == s["leader"] else "follower")')")
      done
      measure etcd "$EP"
      stop_pids PIDS
      ;;
    *) log "unknown target '$target' (etcd or paxos)"; exit 2 ;;
  esac
done
log "rows in $RESULTS"
