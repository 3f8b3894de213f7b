#!/bin/sh
# Starts this pod's node (the container's command). A founding pod (ordinal below FOUNDERS, the
# nodes of cluster.yaml) runs the node of its own name. A pod beyond them joins the running
# cluster: on its first start it picks a new id, NAME-RANDOM, kept on its volume (a removed id
# can never come back, and a scaled-down pod's volume is deleted, so a later pod of the same name
# needs a new one), and waits as `paxos node --join` until the sidecar (member.sh) has added it.
# Once the data directory has state, the node's own configuration wins and --join is ignored.
set -eu
PAXOS=${PAXOS:-dotnet /app/paxos.dll}
CONFIG=${CONFIG:-/etc/paxos/cluster.yaml}
DATA=${DATA:-/data}
ordinal=${POD_NAME##*-}
if [ "$ordinal" -lt "$FOUNDERS" ]; then
  exec $PAXOS node --config "$CONFIG" --id "$POD_NAME" --data-dir "$DATA" --metrics-port "$METRICS_PORT"
fi
if [ ! -s "$DATA/node-id" ]; then
  echo "$POD_NAME-$(cut -c1-8 /proc/sys/kernel/random/uuid)" > "$DATA/node-id.new"
  mv "$DATA/node-id.new" "$DATA/node-id"
fi
id=$(cat "$DATA/node-id")
join=$(mktemp)
# cluster.yaml ends with its nodes: this node is appended to them, so the file names it and the founders to ask.
{ cat "$CONFIG"; printf '  - id: %s\n    url: http://%s.%s:%s\n    port: %s\n' "$id" "$POD_NAME" "$PEERS" "$PORT" "$PORT"; } > "$join"
mkdir -p "$DATA/node"
exec $PAXOS node --config "$join" --id "$id" --data-dir "$DATA/node" --metrics-port "$METRICS_PORT" --join
