#!/usr/bin/env bash
# Membership changes under load, on one machine: how long a learner takes to catch up with a large
# state, and how the p99 of writes moves while it does and while the leader is removed.
#
#   bench/membership.sh OUT
#
# 1. 'paxos cluster --nodes 3' on ports BASE..; the state is filled with KEYS values of VALUE bytes
#    (default 1024 x 1 MiB = 1 GiB) by the bench's preload.
# 2. Baseline: 'paxos bench --workload put' (CLIENTS clients, 1 KiB values, spread over the three
#    nodes) for DUR seconds.
# 3. The same load while 'paxos cluster add' starts node-3 with --join, adds it as a learner, waits
#    until it has caught up (a snapshot of the whole state, then the log) and promotes it; the add's
#    wall time is the catch-up time.
# 4. The same load, sent to the nodes that stay, while the leader is removed ('paxos member
#    remove', which hands leadership over first).
# Prints one line per phase and the bench's JSON lines into OUT; stops only what it started.
#
# Environment (optional): PAXOS_BIN (default: the Release build, built first), BASE (7400), KEYS
# (1024), VALUE (1048576), CLIENTS (8), DUR (20).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: bench/membership.sh OUT}
BASE=${BASE:-7400}
KEYS=${KEYS:-1024}
VALUE=${VALUE:-1048576}
CLIENTS=${CLIENTS:-8}
DUR=${DUR:-20}
NODES=3
mkdir -p "$OUT"
# shellcheck source=bench/lib.sh
source bench/lib.sh
use_release_build
log() { echo "[membership] $*" >&2; }
WORK=$(mktemp -d -t paxos-membership.XXXXXX)
PIDS=()
trap 'cp -r "$WORK/data/logs" "$OUT/" 2>/dev/null || true; stop_pids PIDS; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

start_paxos_cluster "$PAXOS_BIN" "$NODES" "$BASE" "$WORK/data" "$WORK/cluster.log" PIDS
EP=$(endpoints "$BASE")
cd "$WORK" # 'paxos cluster add' and 'paxos member' find the local cluster in ./data

log "filling the state: $KEYS keys of $VALUE bytes"
start=$SECONDS
"$PAXOS_BIN" bench --endpoints "$EP" --workload get --keys "$KEYS" --value-size "$VALUE" --clients 4 --duration 1 --warmup 0 > "$OUT/fill.txt"
log "filled in $((SECONDS - start)) s"

load() { # name [endpoints]: DUR seconds of 1 KiB puts over the endpoints (default: the founders), JSON line into OUT/NAME.json
  "$PAXOS_BIN" bench --endpoints "${2:-$EP}" --workload put --keys 1000 --value-size 1024 --clients "$CLIENTS" \
    --duration "$DUR" --warmup 2 --timeout 10 > "$OUT/$1.txt" 2> "$OUT/$1.err"
  grep '^{' "$OUT/$1.txt" > "$OUT/$1.json"
}

load baseline
log "baseline: $(cat "$OUT/baseline.json")"

load during-add &
BENCH=$!
sleep 4
start=$(date +%s.%N)
"$PAXOS_BIN" cluster add --data-dir ./data > "$OUT/add.txt" 2>&1
added=$(date +%s.%N)
wait "$BENCH"
echo "catch-up: node-3 added, caught up with $((KEYS * VALUE / 1048576)) MiB and promoted in $(echo "$added - $start" | bc) s" | tee "$OUT/catch-up.txt" >&2
log "during the add: $(cat "$OUT/during-add.json")"

leader=$("$PAXOS_BIN" leader --endpoints "$EP" | awk '{print $1}')
leader_url=$("$PAXOS_BIN" leader --endpoints "$EP" | awk '{print $2}')
others=$(echo "$EP,http://127.0.0.1:$((BASE + 3))" | tr ',' '\n' | grep -v "^$leader_url\$" | paste -sd,)
# The load goes to the nodes that stay: a removed node stops, and a client is given the members.
load during-remove "$others" &
BENCH=$!
sleep 4
"$PAXOS_BIN" member remove "$leader" --endpoints "$EP" > "$OUT/remove.txt" 2>&1
wait "$BENCH"
log "removed the leader $leader; during the removal: $(cat "$OUT/during-remove.json")"
"$PAXOS_BIN" member list --endpoints "$EP" > "$OUT/members.txt"
