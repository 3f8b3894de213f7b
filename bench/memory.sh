#!/usr/bin/env bash
# Memory and disk over a million writes: starts a 5-node Paxos cluster on loopback (fresh data
# directory, fsync on), writes TOTAL puts over KEYS keys (so every key is overwritten many times)
# through 'paxos bench', and samples every INTERVAL seconds each node's resident set size
# (VmRSS of /proc/PID/status) and the size of its data directory (du -sb).
# Writes bench/results/<timestamp>-memory.csv (one row per node per sample; its writes column counts the
# writes acknowledged by the 'paxos bench' runs finished by then, so it steps once per run) and
# bench/results/<timestamp>-memory.txt (start, peak and end per node). Stops only the processes it started.
#
# Environment (all optional):
#   TOTAL       writes to reach (default 1000000)
#   KEYS        distinct keys (default 100000)
#   CLIENTS     requests in flight (default 256)
#   RUN         seconds per 'paxos bench' run; runs repeat until TOTAL writes are acknowledged (default 30)
#   INTERVAL    seconds between samples (default 5)
#   SETTLE      seconds of sampling after the last write (default 15)
#   BASE_PORT   node ports are this + i (default 7300)
#   COUNTERS    a node id (e.g. node-1): also records that node's System.Runtime counters (GC heap size,
#               gen 0/1/2 sizes, LOH, allocation rate) every INTERVAL seconds with dotnet-counters
#               (dotnet tool install -g dotnet-counters) into bench/results/<timestamp>-counters-<node>.csv
set -euo pipefail

cd "$(dirname "$0")/.."
TOTAL=${TOTAL:-1000000}
KEYS=${KEYS:-100000}
CLIENTS=${CLIENTS:-256}
RUN=${RUN:-30}
INTERVAL=${INTERVAL:-5}
SETTLE=${SETTLE:-15}
BASE_PORT=${BASE_PORT:-7300}
COUNTERS=${COUNTERS:-}
NODES=5
PAXOS="$PWD/src/Paxos.Cli/bin/Release/net10.0/paxos"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
CSV="bench/results/$STAMP-memory.csv"
SUMMARY="bench/results/$STAMP-memory.txt"
WORK=$(mktemp -d -t paxos-memory.XXXXXX)
mkdir -p bench/results
CLUSTER_PID=""
SAMPLER_PID=""
COUNTERS_PID=""

# shellcheck source=bench/lib.sh
source "bench/lib.sh"

log() { echo "[memory] $*" >&2; }

cleanup() {
  stop_pid "$SAMPLER_PID"
  stop_pid "$CLUSTER_PID"
  # dotnet-counters ends (and flushes its file) when the node it watches has stopped.
  stop_pid "$COUNTERS_PID"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sample() { # node ids and pids as "id:pid" words; appends one row per node to $CSV every $INTERVAL s
  local start=$SECONDS entry id pid rss disk
  while true; do
    for entry in "$@"; do
      id=${entry%%:*}
      pid=${entry#*:}
      rss=$(awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$pid/status" 2>/dev/null || true)
      disk=$(du -sb "$WORK/paxos/$id" 2>/dev/null | cut -f1 || true)
      echo "$((SECONDS - start)),$id,$pid,${rss:-},${disk:-},$(cat "$WORK/written")" >> "$CSV"
    done
    sleep "$INTERVAL"
  done
}

log "building src/Paxos.Cli (Release)"
dotnet build src/Paxos.Cli -c Release -v q -nologo > /dev/null

"$PAXOS" cluster --nodes "$NODES" --base-port "$BASE_PORT" --data-dir "$WORK/paxos" > "$WORK/cluster.log" 2>&1 &
CLUSTER_PID=$!
ENDPOINTS=""
for ((i = 0; i < NODES; i++)); do
  wait_for_port $((BASE_PORT + i)) 60 || { log "node $i did not start; the cluster's output:"; tail -20 "$WORK/cluster.log" >&2; exit 1; }
  ENDPOINTS+="${ENDPOINTS:+,}http://127.0.0.1:$((BASE_PORT + i))"
done
# The cluster prints one line per node: "  node-0   127.0.0.1:7300   pid 1234   log ...".
mapfile -t NODE_PIDS < <(awk '$3 == "pid" { print $1 ":" $4 }' "$WORK/cluster.log")
((${#NODE_PIDS[@]} == NODES)) || { log "expected $NODES pid lines in the cluster's output"; cat "$WORK/cluster.log" >&2; exit 1; }
log "cluster: ${NODE_PIDS[*]} (ports $BASE_PORT-$((BASE_PORT + NODES - 1)))"

echo "seconds,node,pid,rss_bytes,data_bytes,writes" > "$CSV"
echo 0 > "$WORK/written"
sample "${NODE_PIDS[@]}" &
SAMPLER_PID=$!
if [[ -n $COUNTERS ]]; then
  counters_pid=$(printf '%s\n' "${NODE_PIDS[@]}" | awk -F: -v id="$COUNTERS" '$1 == id { print $2 }')
  [[ -n $counters_pid ]] || { log "COUNTERS=$COUNTERS is not a node of this cluster"; exit 2; }
  "${DOTNET_COUNTERS:-$HOME/.dotnet/tools/dotnet-counters}" collect --process-id "$counters_pid" --refresh-interval "$INTERVAL" \
    --counters System.Runtime --format csv --output "bench/results/$STAMP-counters-$COUNTERS.csv" > "$WORK/counters.log" 2>&1 &
  COUNTERS_PID=$!
fi

written=0
commands=()
while ((written < TOTAL)); do
  command="$PAXOS bench --workload put --endpoints $ENDPOINTS --clients $CLIENTS --duration $RUN --warmup 0 --keys $KEYS --value-size 100"
  commands+=("$command")
  $command > "$WORK/run.out" || { log "bench failed:"; cat "$WORK/run.out" >&2; exit 1; }
  ops=$(grep '^{' "$WORK/run.out" | sed -E 's/.*"ops":([0-9]+).*/\1/')
  written=$((written + ops))
  echo "$written" > "$WORK/written"
  log "$written of $TOTAL writes acknowledged"
done
log "settling for ${SETTLE}s"
sleep "$SETTLE"
stop_pid "$SAMPLER_PID"
SAMPLER_PID=""

{
  echo "Paxos, $NODES nodes, $written writes over $KEYS keys (100-byte values, $CLIENTS clients), sampled every ${INTERVAL}s"
  echo "CSV: $CSV"
  echo "Commands:"
  printf '  %s\n' "${commands[@]}" | sort -u
  awk -F, 'NR > 1 && $4 != "" {
      if (!($2 in first)) { first[$2] = $4; firstDisk[$2] = $5; order[++n] = $2 }
      if ($4 > peak[$2]) peak[$2] = $4
      if ($5 > peakDisk[$2]) peakDisk[$2] = $5
      last[$2] = $4; lastDisk[$2] = $5
    }
    END {
      printf "%-8s %10s %10s %10s %12s %12s %12s\n", "node", "rss start", "rss peak", "rss end", "data start", "data peak", "data end"
      for (i = 1; i <= n; i++) {
        id = order[i]
        printf "%-8s %8.1f MiB %6.1f MiB %6.1f MiB %8.1f MiB %8.1f MiB %8.1f MiB\n", id,
          first[id] / 1048576, peak[id] / 1048576, last[id] / 1048576,
          firstDisk[id] / 1048576, peakDisk[id] / 1048576, lastDisk[id] / 1048576
      }
    }' "$CSV"
} > "$SUMMARY"
cat "$SUMMARY" >&2
log "results: $CSV, $SUMMARY"
