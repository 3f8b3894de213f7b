#!/usr/bin/env bash
# Compares Paxos with etcd on this machine: starts a 5-node etcd cluster and a 5-node Paxos cluster on
# loopback (each with fresh data directories, fsync on), runs the same 'paxos bench' workloads against
# both, collects the JSON lines into bench/results/<timestamp>.jsonl and writes docs/performance.md and
# docs/performance.png from them. Then 'paxos bench watch' on each (watch event throughput and delivery
# latency; its JSON lines go to bench/results/<timestamp>-watch.jsonl, not into the report). Stops only
# the processes it started.
#
# By default it builds src/Paxos.Cli once in Release and runs the program it builds (what
# 'dotnet run -c Release --project src/Paxos.Cli --' runs, without a 'dotnet run' process in between,
# so that the PID it stops is the cluster's own).
#
# Environment (all optional):
#   BENCH_CMD        the bench command   (default: src/Paxos.Cli/bin/Release/net10.0/paxos bench)
#   PAXOS_CMD        the paxos command   (default: src/Paxos.Cli/bin/Release/net10.0/paxos)
#   REPORT_CMD       the report command  (default: $BENCH_CMD report)
#   DURATION         measured seconds per run (default 10)
#   WARMUP           warm-up seconds per run, unrecorded, for the client as much as the cluster:
#                    a fresh bench process runs unoptimized (tier-0) code for its first seconds
#                    (default 10)
#   WARMUP_CLUSTER   seconds of unrecorded load on each freshly started cluster (default 60: a .NET
#                    node compiles its hot paths in tiers for 30 to 60 s after it starts, and a
#                    shorter warm-up measured that start-up rather than the running cluster)
#   TARGETS          which clusters, space-separated (default: "etcd paxos")
#   ROUNDS           how many times the whole set runs, the clusters taking turns, each round on
#                    freshly started clusters (default 1); the report shows the median of the rounds
#   ETCD_BASE_PORT   etcd client ports are this + i, peer ports this + 10 + i (default 23790)
#   PAXOS_BASE_PORT  Paxos node ports are this + i (default 7100)
#   WORKLOAD_FILTER  run only the workloads whose name contains this text (default: all)
#   WATCHERS         watchers of one prefix in the watch run, with 4 clients writing under it for
#                    DURATION seconds (default 1000; 0: no watch run)
#   COORDINATION     1: also the coordination workloads, txn (16 and 64 clients, a key each:
#                    compare its index, then put) and keepalive (1,000 leases, 64 clients),
#                    on both clusters (default 0: the matrix is long enough without them)
set -euo pipefail

cd "$(dirname "$0")/.."
PAXOS_BIN="$PWD/src/Paxos.Cli/bin/Release/net10.0/paxos"
if [[ -z ${BENCH_CMD:-} || -z ${PAXOS_CMD:-} ]]; then
  echo "[compare] building src/Paxos.Cli (Release)" >&2
  dotnet build src/Paxos.Cli -c Release -v q -nologo > /dev/null
fi
BENCH_CMD=${BENCH_CMD:-"$PAXOS_BIN bench"}
PAXOS_CMD=${PAXOS_CMD:-"$PAXOS_BIN"}
REPORT_CMD=${REPORT_CMD:-"$BENCH_CMD report"}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-10}
WARMUP_CLUSTER=${WARMUP_CLUSTER:-60}
TARGETS=${TARGETS:-"etcd paxos"}
ROUNDS=${ROUNDS:-1}
ETCD_BASE_PORT=${ETCD_BASE_PORT:-23790}
PAXOS_BASE_PORT=${PAXOS_BASE_PORT:-7100}
NODES=5

# The workloads: "name | bench options". Request balance (each request to the next node in turn, as
# etcd's own client and a load balancer spread them) is how users load a cluster; client balance
# (each client keeps one node) is the flattering case, kept beside it. The last one writes values of
# the contract's maximum size (1,048,000 bytes of value, under 1 MiB with the key) to 50 keys.
# Entries marked "paxos:" run on Paxos only: leader balance is PaxosClient's leader awareness (writes
# straight to the leader), which etcd's client has no counterpart of.
WORKLOADS=(
  "put, 1 client, request balance|--workload put --clients 1 --balance request"
  "put, 1 client, client balance|--workload put --clients 1 --balance client"
  "put, 64 clients, request balance|--workload put --clients 64 --balance request"
  "put, 64 clients, client balance|--workload put --clients 64 --balance client"
  "put, 256 clients, request balance|--workload put --clients 256 --balance request"
  "get linearizable, 64 clients, request balance|--workload get --consistency linearizable --clients 64 --balance request"
  "get serializable, 64 clients, request balance|--workload get --consistency serializable --clients 64 --balance request"
  "put 1 MiB values, 16 clients, request balance|--workload put --clients 16 --keys 50 --value-size 1048000 --timeout 30 --balance request"
  "paxos:put, 64 clients, leader balance|--workload put --clients 64 --balance leader"
)
if [[ ${COORDINATION:-0} == 1 ]]; then
  WORKLOADS+=(
    "txn, 16 clients, request balance|--workload txn --clients 16 --balance request"
    "txn, 64 clients, request balance|--workload txn --clients 64 --balance request"
    "keepalive, 1000 leases, 64 clients, request balance|--workload keepalive --keys 1000 --clients 64 --balance request"
  )
fi
if [[ -n ${WORKLOAD_FILTER:-} ]]; then # e.g. WORKLOAD_FILTER='1 MiB' runs only the workloads whose name contains it
  selected=()
  for entry in "${WORKLOADS[@]}"; do
    [[ ${entry%%|*} == *"$WORKLOAD_FILTER"* ]] && selected+=("$entry")
  done
  WORKLOADS=("${selected[@]}")
fi

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="bench/results/$STAMP.jsonl"
WATCHERS=${WATCHERS:-1000}
WATCH_RESULTS="bench/results/$STAMP-watch.jsonl"
WORK=$(mktemp -d -t paxos-compare.XXXXXX)
mkdir -p bench/results
: > "$RESULTS"
PIDS=()
FAILED=()

# shellcheck source=bench/lib.sh
source "bench/lib.sh"

log() { echo "[compare] $*" >&2; }
clean_up_on_exit

start_etcd() {
  start_etcd_cluster "$NODES" "$ETCD_BASE_PORT" "$WORK" "paxos-compare-$STAMP" PIDS
}

start_paxos() {
  start_paxos_cluster "$PAXOS_CMD" "$NODES" "$PAXOS_BASE_PORT" "$WORK/paxos" "$WORK/paxos-cluster.log" PIDS || return 1
  log "paxos: $NODES nodes on 127.0.0.1:$PAXOS_BASE_PORT-$((PAXOS_BASE_PORT + NODES - 1))"
}

warm_up() { # target, endpoints
  # Each cluster first serves a short unrecorded mixed load, the same for both: a .NET node
  # compiles its hot paths during its first seconds, and a freshly started etcd fills its caches.
  log "$1: warm-up (${WARMUP_CLUSTER}s mixed load, not recorded)"
  # shellcheck disable=SC2086 # BENCH_CMD is a command line
  $BENCH_CMD --target "$1" --endpoints "$2" --duration "$WARMUP_CLUSTER" --warmup 1 --workload mixed --clients 16 > /dev/null 2>&1 || true
}

run_workloads() { # target, endpoints
  local entry name options out
  for entry in "${WORKLOADS[@]}"; do
    if [[ $entry == paxos:* ]]; then
      [[ $1 == paxos ]] || continue
      entry=${entry#paxos:}
    fi
    name=${entry%%|*}
    options=${entry#*|}
    log "$1: $name"
    out="$WORK/run.out"
    # shellcheck disable=SC2086 # BENCH_CMD and options are command lines
    if $BENCH_CMD --target "$1" --endpoints "$2" --duration "$DURATION" --warmup "$WARMUP" $options > "$out"; then
      cat "$out" >&2
    else
      FAILED+=("$1: $name")
      log "$1: $name FAILED"
    fi
    grep '^{' "$out" >> "$RESULTS" || true
  done
}

run_watch() { # target, endpoints
  ((WATCHERS > 0)) || return 0
  local out="$WORK/watch.out"
  log "$1: watch, $WATCHERS watchers, 4 writers"
  # shellcheck disable=SC2086 # BENCH_CMD is a command line
  if $BENCH_CMD watch --target "$1" --endpoints "$2" --watchers "$WATCHERS" --writers 4 --duration "$DURATION" > "$out"; then
    cat "$out" >&2
  else
    FAILED+=("$1: watch")
  fi
  grep '^{' "$out" >> "$WATCH_RESULTS" || true
}

for ((round = 1; round <= ROUNDS; round++)); do
for target in $TARGETS; do
  log "round $round of $ROUNDS: $target"
  rm -rf "$WORK/paxos" "$WORK"/etcd-* # every round starts from empty data directories
  case $target in
    etcd)
      ensure_etcd
      if start_etcd; then
        warm_up etcd "$(endpoints "$ETCD_BASE_PORT")"
        run_workloads etcd "$(endpoints "$ETCD_BASE_PORT")"
        run_watch etcd "$(endpoints "$ETCD_BASE_PORT")"
      else
        FAILED+=("etcd: the cluster did not start")
      fi
      ;;
    paxos)
      if start_paxos; then
        warm_up paxos "$(endpoints "$PAXOS_BASE_PORT")"
        run_workloads paxos "$(endpoints "$PAXOS_BASE_PORT")"
        run_watch paxos "$(endpoints "$PAXOS_BASE_PORT")"
      else
        FAILED+=("paxos: the cluster did not start")
      fi
      ;;
    *)
      log "unknown target '$target' (etcd or paxos)"
      exit 2
      ;;
  esac
  stop_pids PIDS
done
done

log "results: $RESULTS"
if ((WATCHERS > 0)); then
  log "watch results: $WATCH_RESULTS"
fi
# shellcheck disable=SC2086 # REPORT_CMD is a command line
if [[ -s $RESULTS ]]; then
  $REPORT_CMD "$RESULTS" --output docs/performance.md
else
  log "no results to report"
fi
if ((${#FAILED[@]} > 0)); then
  log "these did not complete:"
  printf '  %s\n' "${FAILED[@]}" >&2
  exit 1
fi
