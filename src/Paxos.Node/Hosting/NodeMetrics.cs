using Paxos.Node.Replication;
using Prometheus;

namespace Paxos.Node.Hosting;

/// <summary>
/// The node's Prometheus metrics, served as text at <c>/metrics</c> on the metrics port
/// (<c>paxos node --metrics-port</c>). Names follow etcd's where etcd has one (its
/// <c>etcd_disk_wal_fsync_duration_seconds</c> is <c>paxos_wal_fsync_duration_seconds</c> here, its
/// <c>etcd_server_leader_changes_seen_total</c> is <c>paxos_leader_changes_seen_total</c>), plus the
/// process's own (<c>process_cpu_seconds_total</c>, <c>process_working_set_bytes</c>, ...). Each
/// node has its own registry, so that several nodes can run in one process.
/// </summary>
public sealed class NodeMetrics
{
    private readonly Gauge _isLeader;
    private readonly Gauge _hasLeader;
    private readonly Gauge _ballotRound;
    private readonly Gauge _commitIndex;
    private readonly Gauge _appliedIndex;
    private readonly Gauge _snapshotIndex;
    private readonly Gauge _peerReachable;
    private readonly Counter _oversizedDropped;
    private readonly Histogram _requestDuration;
    private Func<ReplicaStatus>? _status;
    private Func<IEnumerable<(string Name, PeerOutbox Outbox)>> _outboxes = () => [];

    /// <summary>A registry of its own (not the process-wide default), so several embedded nodes each count their own.</summary>
    public NodeMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        var factory = Metrics.WithCustomRegistry(Registry);
        WalFsyncDuration = factory.CreateHistogram("paxos_wal_fsync_duration_seconds",
            "How long each fsync of the replica's write-ahead log took: every promise and acceptance waits for one.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0001, 2, 16) });
        LeaderChanges = factory.CreateCounter("paxos_leader_changes_seen_total", "How many times this node saw the leader change (to another node or to none).");
        CommandsApplied = factory.CreateCounter("paxos_commands_applied_total", "Commands applied to the state machine, one per write, many per slot.");
        SnapshotsTaken = factory.CreateCounter("paxos_snapshots_taken_total", "Snapshots of the state machine this node took (each compacts the log).");
        SnapshotDuration = factory.CreateHistogram("paxos_snapshot_duration_seconds",
            "Time each snapshot held the replica's loop: capturing the state and rewriting the log's tail, then compacting the log once the file was durable; nothing else runs meanwhile.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 15) });
        SnapshotWriteDuration = factory.CreateHistogram("paxos_snapshot_write_seconds",
            "Time writing and syncing each snapshot's file took, off the replica's loop; the log is compacted only after it.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 15) });
        PeerMessagesRefused = factory.CreateCounter("paxos_peer_messages_refused_total",
            "Peer calls and deliveries refused, each counted once and changing nothing, by reason: unidentified, other_cluster, not_member, wrong_sender, ballot_not_sender, wrong_recipient, malformed.",
            new CounterConfiguration { LabelNames = ["reason"] });
        SnapshotsInstalled = factory.CreateCounter("paxos_snapshots_installed_total", "Snapshots this node installed from the leader because the entries it needed were compacted.");
        _requestDuration = factory.CreateHistogram("paxos_request_duration_seconds",
            "Client calls on this node, from arrival to answer (forwarding and retries included), by method; failed calls too.",
            new HistogramConfiguration { LabelNames = ["method"], Buckets = Histogram.ExponentialBuckets(0.0001, 2, 18) });
        Put = _requestDuration.WithLabels("put");
        Delete = _requestDuration.WithLabels("delete");
        CompareAndSwap = _requestDuration.WithLabels("compare_and_swap");
        Get = _requestDuration.WithLabels("get");
        List = _requestDuration.WithLabels("list");
        Txn = _requestDuration.WithLabels("txn");
        _isLeader = factory.CreateGauge("paxos_is_leader", "1 if this node leads, 0 otherwise.");
        _hasLeader = factory.CreateGauge("paxos_has_leader", "1 if this node knows a leader (itself included), 0 otherwise.");
        _ballotRound = factory.CreateGauge("paxos_ballot_round", "The round of the highest ballot this node promised.");
        _commitIndex = factory.CreateGauge("paxos_commit_index", "Every slot up to this one is chosen and known here.");
        _appliedIndex = factory.CreateGauge("paxos_applied_index", "The last slot applied to the state machine here.");
        _snapshotIndex = factory.CreateGauge("paxos_snapshot_index", "The slot of this node's latest snapshot; the log before it is compacted.");
        _peerReachable = factory.CreateGauge("paxos_peer_reachable", "1 while the message stream to the peer works, 0 while it is down.", new GaugeConfiguration { LabelNames = ["peer"] });
        _oversizedDropped = factory.CreateCounter("paxos_peer_messages_dropped_oversized_total",
            "Messages to the peer dropped because one alone, encoded, exceeds the maximum message size (a bug: every message is bounded below it).",
            new CounterConfiguration { LabelNames = ["peer"] });
        PeerCallsRefused = factory.CreateCounter("paxos_peer_calls_refused_total",
            "PaxosService calls refused (PERMISSION_DENIED, nothing changed) because the caller's TLS certificate does not name the node it claims to be.");
        ClientCallsUnauthenticated = factory.CreateCounter("paxos_client_calls_unauthenticated_total",
            "Client calls refused (UNAUTHENTICATED) for want of a known token of auth.tokens.");
        ClientConnectionsRefused = factory.CreateCounter("paxos_client_connections_refused_total",
            "Connections closed on arrival because their IP address already had ServerLimits.MaxConnectionsPerClient open.");
        Registry.AddBeforeCollectCallback(UpdateGauges);
    }

    /// <summary>Where the metrics are registered; the metrics endpoint serves this registry.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>How long each fsync of the write-ahead log took.</summary>
    public Histogram WalFsyncDuration { get; }

    /// <summary>How often the leader this node knows changed.</summary>
    public Counter LeaderChanges { get; }

    /// <summary>Commands applied to the state machine.</summary>
    public Counter CommandsApplied { get; }

    /// <summary>Snapshots this node took.</summary>
    public Counter SnapshotsTaken { get; }

    /// <summary>How long each snapshot held the replica's loop (etcd: <c>etcd_debugging_snap_save_total_duration_seconds</c>).</summary>
    public Histogram SnapshotDuration { get; }

    /// <summary>How long writing and syncing each snapshot's file took, off the replica's loop.</summary>
    public Histogram SnapshotWriteDuration { get; }

    /// <summary>Snapshots this node installed from its leader.</summary>
    public Counter SnapshotsInstalled { get; }

    /// <summary>Refused peer calls and deliveries, by reason (<see cref="Paxos.Transport.Replication.PeerRefusal"/>).</summary>
    public Counter PeerMessagesRefused { get; }

    /// <summary>Peer calls refused: the caller's certificate does not name the node it claims to be.</summary>
    public Counter PeerCallsRefused { get; }

    /// <summary>Client calls refused for a missing or unknown token.</summary>
    public Counter ClientCallsUnauthenticated { get; }

    /// <summary>Connections closed on arrival: their client had its share of connections open.</summary>
    public Counter ClientConnectionsRefused { get; }

    /// <summary>How long put calls took.</summary>
    public Histogram.Child Put { get; }

    /// <summary>How long delete calls took.</summary>
    public Histogram.Child Delete { get; }

    /// <summary>How long compare-and-swap calls took.</summary>
    public Histogram.Child CompareAndSwap { get; }

    /// <summary>How long get calls took.</summary>
    public Histogram.Child Get { get; }

    /// <summary>How long list calls took.</summary>
    public Histogram.Child List { get; }

    /// <summary>How long transactions took.</summary>
    public Histogram.Child Txn { get; }

    /// <summary>
    /// Where the gauges read the replica's state and the peers' streams when the metrics are
    /// collected: <paramref name="outboxes"/> gives the outboxes open then, with their peers' names.
    /// </summary>
    public void Observe(Func<ReplicaStatus> status, Func<IEnumerable<(string Name, PeerOutbox Outbox)>> outboxes)
    {
        _status = status;
        _outboxes = outboxes;
    }

    private void UpdateGauges()
    {
        if (_status is null)
        {
            return;
        }
        var status = _status();
        _isLeader.Set(status.Role == "leader" ? 1 : 0);
        _hasLeader.Set(status.LeaderId >= 0 ? 1 : 0);
        _ballotRound.Set(status.Ballot.Round);
        _commitIndex.Set(status.CommitIndex);
        _appliedIndex.Set(status.AppliedIndex);
        _snapshotIndex.Set(status.SnapshotIndex);
        foreach (var (name, outbox) in _outboxes())
        {
            _peerReachable.WithLabels(name).Set(outbox.PeerDown ? 0 : 1);
            _oversizedDropped.WithLabels(name).IncTo(outbox.OversizedDropped);
        }
    }
}
