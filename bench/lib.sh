# Shell functions shared by the benchmark scripts (sourced, not run).

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
