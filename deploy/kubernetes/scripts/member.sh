#!/bin/sh
# The membership sidecar. In a pod beyond the founding nodes it adds the pod's node (the id that
# start.sh kept on the volume) as a learner, then promotes it to a voter once it has caught up
# (refused, exit code 4, until then: retried). Both are safe to repeat. Then it idles; it never
# removes anything: scaling down is done by hand (README.md), since a pod that stops cannot tell
# a scale-down from a reschedule.
set -u
PAXOS=${PAXOS:-dotnet /app/paxos.dll}
DATA=${DATA:-/data}
trap 'exit 0' TERM INT
ordinal=${POD_NAME##*-}
if [ "$ordinal" -ge "$FOUNDERS" ]; then
  while [ ! -s "$DATA/node-id" ]; do sleep 1; done
  id=$(cat "$DATA/node-id")
  until $PAXOS member add "$id" "http://$POD_NAME.$PEERS:$PORT" --endpoints "$CLIENTS"; do sleep 5; done
  until $PAXOS member promote "$id" --endpoints "$CLIENTS"; do sleep 5; done
fi
while true; do
  sleep 3600 &
  wait $!
done
