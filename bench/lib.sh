# Shell functions shared by the benchmark scripts (sourced, not run).

# Sets PAXOS_BIN to the Release build of the paxos program (built first), unless it is set already.
use_release_build() {
  if [[ -z ${PAXOS_BIN:-} ]]; then
    dotnet build src/Paxos.Cli -c Release -v q -nologo > /dev/null
    PAXOS_BIN="$PWD/src/Paxos.Cli/bin/Release/net10.0/paxos"
  fi
}

# Stops a process this script started: SIGTERM, up to 20 s to exit, then SIGKILL.
stop_pid() { # pid
  [[ -n $1 ]] || return 0
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.2
  done
  kill -KILL "$1" 2>/dev/null || true
}

# Waits until something listens on 127.0.0.1:PORT; fails after SECONDS.
wait_for_port() { # port, seconds
  local deadline=$((SECONDS + $2))
  until (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# Stops every process whose pid is in the caller's array named PIDS_VAR (SIGTERM to all first, so
# they stop together), then empties it.
stop_pids() { # PIDS_VAR
  local -n pids_to_stop=$1
  local pid
  for pid in "${pids_to_stop[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids_to_stop[@]}"; do
    stop_pid "$pid"
  done
  pids_to_stop=()
}

# Sets the caller's exit traps: on exit, stop every process in its PIDS array and remove its WORK
# directory; Ctrl+C or SIGTERM exits (and so cleans up) with status 130.
clean_up_on_exit() {
  trap 'stop_pids PIDS; rm -rf "$WORK"' EXIT
  trap 'exit 130' INT TERM
}

# The callers define log() (a line to stderr with the script's prefix); the functions below use it.

# Starts 'PAXOS_CMD cluster' with NODES nodes on loopback ports BASE + i and data in DIR, its output
# in LOG; appends its pid to the caller's array named PIDS_VAR at once, then waits until every node
# listens; fails after 60 s.
start_paxos_cluster() { # paxos command, nodes, base port, dir, log, PIDS_VAR
  local command=$1 nodes=$2 base=$3 dir=$4 output=$5 i
  local -n started_cluster=$6
  # shellcheck disable=SC2086 # the paxos command is a command line
  $command cluster --nodes "$nodes" --base-port "$base" --data-dir "$dir" > "$output" 2>&1 &
  started_cluster+=($!)
  for ((i = 0; i < nodes; i++)); do
    wait_for_port $((base + i)) 60 || { log "paxos node-$i did not start; the cluster's output:"; tail -20 "$output" >&2; return 1; }
  done
}

# Endpoints of a cluster on loopback: "http://127.0.0.1:BASE,...", one per node.
endpoints() { # base port, [nodes (default $NODES)]
  local list="" i
  for ((i = 0; i < ${2:-$NODES}; i++)); do
    list+="${list:+,}http://127.0.0.1:$(($1 + i))"
  done
  echo "$list"
}

# Installs Debian's etcd-server if there is no etcd on the PATH.
ensure_etcd() {
  if ! command -v etcd > /dev/null; then
    log "etcd is not installed; installing Debian's etcd-server"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server > /dev/null
  fi
  # The Debian package may start a default single-node service on 2379; ours uses other ports.
}

# Starts an etcd cluster on loopback with etcd's defaults (fsync on): node etcd-i has client port
# BASE + i, peer port BASE + 10 + i, data directory DIR/etcd-i (which must not exist yet) and log
# DIR/etcd-i.log. Appends each pid to the caller's array named PIDS_VAR as soon as it has started it
# (so that the caller's clean-up stops it even if this fails or is interrupted), then waits until
# every node listens; fails after 30 s.
start_etcd_cluster() { # nodes, base port, dir, cluster token, PIDS_VAR
  local nodes=$1 base=$2 dir=$3 token=$4 cluster="" i
  local -n started_pids=$5
  for ((i = 0; i < nodes; i++)); do
    cluster+="${cluster:+,}etcd-$i=http://127.0.0.1:$((base + 10 + i))"
  done
  for ((i = 0; i < nodes; i++)); do
    etcd --name "etcd-$i" --data-dir "$dir/etcd-$i" \
      --listen-client-urls "http://127.0.0.1:$((base + i))" \
      --advertise-client-urls "http://127.0.0.1:$((base + i))" \
      --listen-peer-urls "http://127.0.0.1:$((base + 10 + i))" \
      --initial-advertise-peer-urls "http://127.0.0.1:$((base + 10 + i))" \
      --initial-cluster "$cluster" --initial-cluster-token "$token" \
      --initial-cluster-state new > "$dir/etcd-$i.log" 2>&1 &
    started_pids+=($!)
  done
  for ((i = 0; i < nodes; i++)); do
    wait_for_port $((base + i)) 30 || { log "etcd-$i did not start; its log:"; tail -20 "$dir/etcd-$i.log" >&2; return 1; }
  done
  log "etcd: $nodes nodes on 127.0.0.1:$base-$((base + nodes - 1)) (pids ${started_pids[*]})"
}

# The URL of the node a cluster names as its leader ('paxos leader'), e.g. http://127.0.0.1:7003.
leader_url() { # paxos command, endpoints
  "$1" leader --endpoints "$2" | grep -o 'http://[0-9.:]*'
}
