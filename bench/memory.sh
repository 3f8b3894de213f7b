#!/usr/bin/env bash
# Memory and disk over a million writes, for Paxos and for etcd: for each target in TARGETS it starts a
# 5-node cluster on loopback (fresh data directories, fsync on; etcd with its defaults), writes TOTAL
# puts over KEYS keys (so every key is overwritten many times) through 'paxos bench --target T', and
# samples every INTERVAL seconds each node's resident set size (VmRSS of /proc/PID/status) and the
# size of its data directory (du -sb). The targets run one after the other, each on its own cluster,
# which is stopped before the next starts.
# Writes bench/results/<timestamp>-memory.csv (one row per target per node per sample; its writes
# column counts the writes acknowledged by the 'paxos bench' runs finished by then, so it steps once
# per run) and bench/results/<timestamp>-memory.txt (per target: writes acknowledged, the commands,
# and start, peak and end per node). Stops only the processes it started.
#
# Environment (all optional):
#   TARGETS         which clusters, space-separated, in this order (default "paxos etcd")
#   TOTAL           writes to reach (default 1000000)
#   KEYS            distinct keys (default 100000)
#   CLIENTS         requests in flight (default 256)
#   RUN             seconds per 'paxos bench' run; runs repeat until TOTAL writes are acknowledged (default 30)
#   INTERVAL        seconds between samples (default 5)
#   SETTLE          seconds of sampling after the last write (default 15)
#   BASE_PORT       Paxos node ports are this + i (default 7300)
#   ETCD_BASE_PORT  etcd client ports are this + i, peer ports this + 10 + i (default 24790)
#   COUNTERS        a Paxos node id (e.g. node-1): also records that node's System.Runtime counters (GC heap
#                   size, gen 0/1/2 sizes, LOH, allocation rate) every INTERVAL seconds with dotnet-counters
#                   (dotnet tool install -g dotnet-counters) into bench/results/<timestamp>-counters-<node>.csv
set -euo pipefail

cd "$(dirname "$0")/.."
TARGETS=${TARGETS:-"paxos etcd"}
TOTAL=${TOTAL:-1000000}
KEYS=${KEYS:-100000}
CLIENTS=${CLIENTS:-256}
RUN=${RUN:-30}
INTERVAL=${INTERVAL:-5}
SETTLE=${SETTLE:-15}
BASE_PORT=${BASE_PORT:-7300}
ETCD_BASE_PORT=${ETCD_BASE_PORT:-24790}
COUNTERS=${COUNTERS:-}
NODES=5
PAXOS="$PWD/src/Paxos.Cli/bin/Release/net10.0/paxos"

for target in $TARGETS; do
  [[ $target == paxos || $target == etcd ]] || { echo "[memory] unknown target '$target' (paxos or etcd)" >&2; exit 2; }
done

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
CSV="bench/results/$STAMP-memory.csv"
SUMMARY="bench/results/$STAMP-memory.txt"
WORK=$(mktemp -d -t paxos-memory.XXXXXX)
mkdir -p bench/results
PIDS=()          # the current target's cluster: the 'paxos cluster' process, or the etcd processes
SAMPLER_PID=""
COUNTERS_PID=""

# shellcheck source=bench/lib.sh
source "bench/lib.sh"

log() { echo "[memory] $*" >&2; }

cleanup() {
  stop_pid "$SAMPLER_PID"
  stop_pids PIDS
  # dotnet-counters ends (and flushes its file) when the node it watches has stopped.
  stop_pid "$COUNTERS_PID"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sample() { # target, then nodes as "id:pid:data directory" words; appends one row per node to $CSV every $INTERVAL s
  local target=$1 start=$SECONDS entry id pid dir rss disk
  shift
  while true; do
    for entry in "$@"; do
      IFS=: read -r id pid dir <<< "$entry"
      rss=$(awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$pid/status" 2>/dev/null || true)
      disk=$(du -sb "$dir" 2>/dev/null | cut -f1 || true)
      echo "$target,$((SECONDS - start)),$id,$pid,${rss:-},${disk:-},$(cat "$WORK/written")" >> "$CSV"
    done
    sleep "$INTERVAL"
  done
}

start_paxos() { # sets NODE_ENTRIES
  start_paxos_cluster "$PAXOS" "$NODES" "$BASE_PORT" "$WORK/paxos" "$WORK/cluster.log" PIDS || return 1
  # The cluster prints one line per node: "  node-0   127.0.0.1:7300   pid 1234   log ...".
  mapfile -t NODE_ENTRIES < <(awk -v dir="$WORK/paxos" '$3 == "pid" { print $1 ":" $4 ":" dir "/" $1 }' "$WORK/cluster.log")
  ((${#NODE_ENTRIES[@]} == NODES)) || { log "expected $NODES pid lines in the cluster's output"; cat "$WORK/cluster.log" >&2; return 1; }
  log "paxos: ${NODE_ENTRIES[*]%:*} (ports $BASE_PORT-$((BASE_PORT + NODES - 1)))"
}

start_etcd() { # sets NODE_ENTRIES
  ensure_etcd || return 1
  mkdir -p "$WORK/etcd"
  start_etcd_cluster "$NODES" "$ETCD_BASE_PORT" "$WORK/etcd" "paxos-memory-$STAMP" PIDS || return 1
  local i
  NODE_ENTRIES=()
  for ((i = 0; i < NODES; i++)); do
    NODE_ENTRIES+=("etcd-$i:${PIDS[i]}:$WORK/etcd/etcd-$i")
  done
}

summarize() { # target, writes, seconds of writing, commands...; appends the target's section to $SUMMARY
  local target=$1 written=$2 seconds=$3
  shift 3
  {
    echo "$target, $NODES nodes, $written writes acknowledged in ${seconds}s over $KEYS keys (100-byte values, $CLIENTS clients), sampled every ${INTERVAL}s"
    echo "Commands:"
    printf '  %s\n' "$@" | sort -u
    awk -F, -v target="$target" '$1 == target && $5 != "" {
        if (!($3 in first)) { first[$3] = $5; firstDisk[$3] = $6; order[++n] = $3 }
        if ($5 > peak[$3]) peak[$3] = $5
        if ($6 > peakDisk[$3]) peakDisk[$3] = $6
        last[$3] = $5; lastDisk[$3] = $6
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
    echo
  } >> "$SUMMARY"
}

log "building src/Paxos.Cli (Release)"
dotnet build src/Paxos.Cli -c Release -v q -nologo > /dev/null

echo "target,seconds,node,pid,rss_bytes,data_bytes,writes" > "$CSV"
{
  echo "Memory over $TOTAL writes, targets: $TARGETS"
  echo "CSV: $CSV"
  echo
} > "$SUMMARY"

for target in $TARGETS; do
  NODE_ENTRIES=()
  case $target in
    paxos)
      start_paxos || exit 1
      endpoints=$(endpoints "$BASE_PORT")
      ;;
    etcd)
      start_etcd || exit 1
      endpoints=$(endpoints "$ETCD_BASE_PORT")
      ;;
  esac

  echo 0 > "$WORK/written"
  sample "$target" "${NODE_ENTRIES[@]}" &
  SAMPLER_PID=$!
  if [[ $target == paxos && -n $COUNTERS ]]; then
    counters_pid=$(printf '%s\n' "${NODE_ENTRIES[@]}" | awk -F: -v id="$COUNTERS" '$1 == id { print $2 }')
    [[ -n $counters_pid ]] || { log "COUNTERS=$COUNTERS is not a node of this cluster"; exit 2; }
    "${DOTNET_COUNTERS:-$HOME/.dotnet/tools/dotnet-counters}" collect --process-id "$counters_pid" --refresh-interval "$INTERVAL" \
      --counters System.Runtime --format csv --output "bench/results/$STAMP-counters-$COUNTERS.csv" > "$WORK/counters.log" 2>&1 &
    COUNTERS_PID=$!
  fi

  written=0
  commands=()
  started=$SECONDS
  while ((written < TOTAL)); do
    command="$PAXOS bench --target $target --workload put --endpoints $endpoints --clients $CLIENTS --duration $RUN --warmup 0 --keys $KEYS --value-size 100"
    commands+=("$command")
    $command > "$WORK/run.out" || { log "$target: bench failed:"; cat "$WORK/run.out" >&2; exit 1; }
    ops=$(grep '^{' "$WORK/run.out" | sed -E 's/.*"ops":([0-9]+).*/\1/')
    written=$((written + ops))
    echo "$written" > "$WORK/written"
    log "$target: $written of $TOTAL writes acknowledged"
  done
  seconds=$((SECONDS - started))
  log "$target: settling for ${SETTLE}s"
  sleep "$SETTLE"
  stop_pid "$SAMPLER_PID"
  SAMPLER_PID=""
  stop_pids PIDS
  stop_pid "$COUNTERS_PID"
  COUNTERS_PID=""
  summarize "$target" "$written" "$seconds" "${commands[@]}"
done

cat "$SUMMARY" >&2
log "results: $CSV, $SUMMARY"
