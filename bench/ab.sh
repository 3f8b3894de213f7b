#!/usr/bin/env bash
# Compares two builds of paxos on 1-client puts, under the same conditions: starts a 5-node cluster
# of each at once (A on ports BASE_A.., B on BASE_B..), warms both up together, then ROUNDS times
# runs 1-client puts through each cluster's leader at the same moment, and prints one line per
# round: ops/s, p50 and p99 (ms) of A, then of B. On a shared machine whose speed changes from
# minute to minute, two builds measured one after the other differ by more than most changes;
# measured side by side, both see the same machine. Stops only the processes it started.
#
#   bench/ab.sh A_PAXOS B_PAXOS     # e.g. bench/ab.sh /tmp/old/paxos src/Paxos.Cli/bin/Release/net10.0/paxos
#
# Environment (optional): ROUNDS (default 3), DURATION seconds per round (default 10),
# BASE_A (default 7300), BASE_B (default 7400).
set -euo pipefail

cd "$(dirname "$0")/.."
A=$1
B=$2
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
BASE_A=${BASE_A:-7300}
BASE_B=${BASE_B:-7400}
NODES=5
WORK=$(mktemp -d -t paxos-ab.XXXXXX)
PIDS=()

# shellcheck source=bench/lib.sh
source "bench/lib.sh"

log() { echo "[ab] $*" >&2; }
clean_up_on_exit

summary() { # bench output file -> "ops/s p50 p99"
  grep '^{' "$1" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["ops_per_sec"], d["p50_ms"], d["p99_ms"])'
}

start_paxos_cluster "$A" "$NODES" "$BASE_A" "$WORK/a" "$WORK/a.log" PIDS
start_paxos_cluster "$B" "$NODES" "$BASE_B" "$WORK/b" "$WORK/b.log" PIDS
ENDPOINTS_A=$(endpoints "$BASE_A")
ENDPOINTS_B=$(endpoints "$BASE_B")
log "warm-up: 8 s of mixed load at 16 clients on both"
"$A" bench --endpoints "$ENDPOINTS_A" --duration 8 --warmup 1 --workload mixed --clients 16 > /dev/null 2>&1 &
warm=$!
"$B" bench --endpoints "$ENDPOINTS_B" --duration 8 --warmup 1 --workload mixed --clients 16 > /dev/null 2>&1 || true
wait "$warm" || true
LEADER_A=$(leader_url "$A" "$ENDPOINTS_A")
LEADER_B=$(leader_url "$B" "$ENDPOINTS_B")
log "leaders: A $LEADER_A, B $LEADER_B"
echo "round  A: ops/s p50 p99    B: ops/s p50 p99"
for ((round = 1; round <= ROUNDS; round++)); do
  "$A" bench --endpoints "$LEADER_A" --duration "$DURATION" --warmup 1 --workload put --clients 1 > "$WORK/a.out" 2> /dev/null &
  run=$!
  "$B" bench --endpoints "$LEADER_B" --duration "$DURATION" --warmup 1 --workload put --clients 1 > "$WORK/b.out" 2> /dev/null
  wait "$run"
  echo "$round      $(summary "$WORK/a.out")    $(summary "$WORK/b.out")"
done
