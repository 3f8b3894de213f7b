#!/usr/bin/env bash
# Puts with 1 client through one chosen endpoint of a fresh 5-node Paxos cluster, for profiling the
# slowest workload of the comparison. Starts 'paxos cluster' on ports BASE.., serves 10 s of
# 16-client mixed load (not recorded), asks who leads, then runs 'paxos bench --workload put
# --clients 1' against the leader or against a follower. Prints the bench's JSON line and keeps the
# nodes' logs (role changes, leadership handovers) in OUT/logs. With PERF=1 it also records
# 'perf record -F 499 -a -g' for 6 s in the middle of the run into OUT/perf.data (set
# DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 in the environment to name .NET frames).
# Stops only the processes it started.
#
#   bench/one-client.sh OUT [follower|leader]      # default: follower
#
# Environment (optional): PAXOS_BIN (default: the Release build, built first), BASE (default 7300),
# WU warm-up seconds of the 1-client run (default 10), DUR measured seconds (default 12), PERF (0).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: bench/one-client.sh OUT [follower|leader]}
MODE=${2:-follower}
[[ $MODE == follower || $MODE == leader ]] || { echo "mode must be follower or leader" >&2; exit 2; }
BASE=${BASE:-7300}
WU=${WU:-10}
DUR=${DUR:-12}
PERF=${PERF:-0}
NODES=5
mkdir -p "$OUT"
# shellcheck source=bench/lib.sh
source bench/lib.sh
use_release_build
log() { echo "[one-client] $*" >&2; }
WORK=$(mktemp -d -t paxos-one-client.XXXXXX)
PIDS=()
trap 'cp -r "$WORK/data/logs" "$OUT/" 2>/dev/null || true; stop_pids PIDS; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

start_paxos_cluster "$PAXOS_BIN" "$NODES" "$BASE" "$WORK/data" "$WORK/cluster.log" PIDS
EP=$(endpoints "$BASE")
"$PAXOS_BIN" bench --endpoints "$EP" --workload mixed --clients 16 --duration 10 --warmup 0 > /dev/null
LEADER=$(leader_url "$PAXOS_BIN" "$EP")
TARGET=$LEADER
if [[ $MODE == follower ]]; then
  for ((i = 0; i < NODES; i++)); do
    url="http://127.0.0.1:$((BASE + i))"
    if [[ $url != "$LEADER" ]]; then TARGET=$url; break; fi
  done
fi
log "leader $LEADER; 1-client puts through $TARGET ($MODE)"
"$PAXOS_BIN" bench --endpoints "$TARGET" --workload put --clients 1 --duration "$DUR" --warmup "$WU" > "$OUT/bench.txt" &
BENCH=$!
PIDS+=("$BENCH")
if [[ $PERF == 1 ]]; then
  sleep $((WU + 3))
  perf record -F 499 -a -g -o "$OUT/perf.data" -- sleep 6 > /dev/null 2>&1
fi
wait "$BENCH"
PIDS=("${PIDS[@]:0:${#PIDS[@]}-1}")
grep '^{' "$OUT/bench.txt"
