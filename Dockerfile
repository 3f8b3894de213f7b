# One Paxos node per container: `paxos node --config FILE --id ID --data-dir /data`.
# Build from the repository root: docker build -t paxos .
# Across machines, run one container per host with the same cluster file (each node's url is the
# address the other hosts reach it at; its port is the one it listens on inside the container):
#   sudo mkdir -p /var/lib/paxos && sudo chown 1654 /var/lib/paxos
#   docker run -d --name paxos -p 8080:8080 -v /var/lib/paxos:/data \
#     -v "$PWD/cluster.yaml:/etc/paxos/cluster.yaml:ro" paxos \
#     node --config /etc/paxos/cluster.yaml --id node-0 --data-dir /data
# On one machine, deploy/compose.yaml starts five of them.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Paxos.Cli -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# The node's durable state (write-ahead log, snapshots, single-decree acceptor files): keep it on a
# volume. The node runs as the image's unprivileged user ($APP_UID, 1654): a directory mounted from
# the host must be writable by it (chown 1654 /var/lib/paxos).
RUN mkdir /data && chown "$APP_UID" /data
USER $APP_UID
VOLUME /data
EXPOSE 8080
# Prometheus metrics, when the node is started with --metrics-port 9100.
EXPOSE 9100
# SIGTERM (docker stop) stops the node gracefully; SIGKILL loses nothing acknowledged either.
ENTRYPOINT ["dotnet", "/app/paxos.dll"]
CMD ["--help"]
