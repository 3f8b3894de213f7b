#!/usr/bin/env bash
# The cost of mutual TLS and client tokens: runs the same 'paxos bench' put workloads (1 and 64
# clients, request balance) against a 5-node Paxos cluster without TLS and one made with
# 'paxos cluster --tls' (mutual TLS, a token on every call), each on fresh data directories, and
# prints throughput and latency side by side. The JSON lines go to bench/results/<timestamp>-tls.jsonl
# (the TLS runs are those whose command has https:// endpoints). Stops only the processes it started.
# Needs a quiet machine for figures worth comparing.
#
# Environment (all optional):
#   PAXOS_CMD        the paxos command   (default: src/Paxos.Cli/bin/Release/net10.0/paxos, built here)
#   DURATION         measured seconds per run (default 10)
#   WARMUP           warm-up seconds per run, unrecorded (default 10)
#   NODES            nodes per cluster (default 5)
#   PAXOS_BASE_PORT  node ports are this + i (default 7100)
set -euo pipefail

cd "$(dirname "$0")/.."
if [[ -z ${PAXOS_CMD:-} ]]; then
  echo "[tls] building src/Paxos.Cli (Release)" >&2
  dotnet build src/Paxos.Cli -c Release -v q -nologo > /dev/null
fi
PAXOS_CMD=${PAXOS_CMD:-"$PWD/src/Paxos.Cli/bin/Release/net10.0/paxos"}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-10}
NODES=${NODES:-5}
PAXOS_BASE_PORT=${PAXOS_BASE_PORT:-7100}
WORKLOADS=(
  "put, 1 client|--workload put --clients 1 --balance request"
  "put, 64 clients|--workload put --clients 64 --balance request"
)

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="bench/results/$STAMP-tls.jsonl"
WORK=$(mktemp -d -t paxos-tls.XXXXXX)
mkdir -p bench/results
: > "$RESULTS"
PIDS=()

# shellcheck source=bench/lib.sh
source "bench/lib.sh"

log() { echo "[tls] $*" >&2; }
clean_up_on_exit

run() { # label, scheme, extra bench options...
  local label=$1 scheme=$2 entry name options
  shift 2
  local urls
  urls=$(endpoints "$PAXOS_BASE_PORT" | sed "s|http://|$scheme://|g")
  for entry in "${WORKLOADS[@]}"; do
    name=${entry%%|*}
    options=${entry#*|}
    log "$label: $name"
    # shellcheck disable=SC2086 # options is a command line
    "$PAXOS_CMD" bench --endpoints "$urls" --duration "$DURATION" --warmup "$WARMUP" $options "$@" > "$WORK/run.out" || log "$label: $name FAILED"
    grep '^{' "$WORK/run.out" | sed "s|^{|{\"label\":\"$label, $name\",|" >> "$RESULTS" || true
  done
}

for mode in plain tls; do
  rm -rf "$WORK/cluster"
  if [[ $mode == tls ]]; then
    # 'paxos cluster --tls' writes the CA, certificates and token under its data directory.
    "$PAXOS_CMD" cluster --tls --nodes "$NODES" --base-port "$PAXOS_BASE_PORT" --data-dir "$WORK/cluster" > "$WORK/cluster.log" 2>&1 &
    PIDS+=($!)
    for ((i = 0; i < NODES; i++)); do wait_for_port $((PAXOS_BASE_PORT + i)) 60 || { tail -20 "$WORK/cluster.log" >&2; exit 1; }; done
    certs="$WORK/cluster/certs"
    run "mutual TLS + token" https --cacert "$certs/ca.crt" --cert "$certs/client.crt" --key "$certs/client.key" --token "$(cut -d' ' -f2 "$certs/tokens.txt")"
  else
    start_paxos_cluster "$PAXOS_CMD" "$NODES" "$PAXOS_BASE_PORT" "$WORK/cluster" "$WORK/cluster.log" PIDS
    run "plain HTTP/2" http
  fi
  stop_pids PIDS
done

log "results: $RESULTS"
python3 - "$RESULTS" <<'PY'
import json, sys
print(f"{'run':<36} {'ops/s':>10} {'p50 ms':>9} {'p99 ms':>9}")
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(f"{r['label']:<36} {r['ops_per_sec']:>10.0f} {r['p50_ms']:>9.2f} {r['p99_ms']:>9.2f}")
PY
