namespace Paxos.Node.Replication;

/// <summary>How a request to a replica ended (<see cref="ReplicaOutcome{T}"/>).</summary>
public enum ReplicaOutcomeKind
{
    /// <summary>It completed: the command was chosen and applied, the barrier passed, the change was applied, the lease answered.</summary>
    Done = 1,

    /// <summary>This node (or the node it was passed to) does not lead; nothing was proposed. <see cref="ReplicaOutcome{T}.LeaderHint"/> names the node believed to lead.</summary>
    NotLeader,

    /// <summary>Leadership changed and another value was chosen in the request's <see cref="ReplicaOutcome{T}.Slot"/>; nothing was applied: retry.</summary>
    NotChosen,

    /// <summary>Its fate is unknown to this node (a snapshot covered its slot, or the leader it went to did not answer): it may or may not have been applied.</summary>
    Unknown,

    /// <summary>Too many requests are waiting; nothing was proposed: retry later.</summary>
    Overloaded,

    /// <summary>The command alone is larger than a slot's batch may be; nothing was proposed.</summary>
    TooLarge,

    /// <summary>A membership change was refused (another is in progress, or it is unsafe or invalid); nothing changed.</summary>
    Refused,
}

/// <summary>
/// The ordinary ending of a request to a replica: <see cref="ReplicaOutcomeKind.Done"/> with its
/// <see cref="Value"/>, or one of the refusals a caller retries or reports. Faults are not outcomes:
/// a node that stops fails its requests with <see cref="ObjectDisposedException"/>, a cancelled one
/// ends with <see cref="OperationCanceledException"/>. The default value is no outcome (its kind is 0).
/// </summary>
public readonly struct ReplicaOutcome<T>
{
    private readonly string? _reason;

    private ReplicaOutcome(ReplicaOutcomeKind kind, T value, int leaderHint, ulong slot, string? reason)
    {
        Kind = kind;
        Value = value;
        LeaderHint = leaderHint;
        Slot = slot;
        _reason = reason;
    }

    /// <summary>How it ended.</summary>
    public ReplicaOutcomeKind Kind { get; }

    /// <summary>True if it completed (<see cref="Value"/> holds the answer).</summary>
    public bool IsDone => Kind == ReplicaOutcomeKind.Done;

    /// <summary>The answer of a request that is <see cref="ReplicaOutcomeKind.Done"/>; default otherwise.</summary>
    public T Value { get; }

    /// <summary>For <see cref="ReplicaOutcomeKind.NotLeader"/>: the node believed to lead, or -1 if none is known.</summary>
    public int LeaderHint { get; }

    /// <summary>For <see cref="ReplicaOutcomeKind.NotChosen"/>: the slot the request had been proposed in.</summary>
    public ulong Slot { get; }

    /// <summary>What happened, for a log or an error status.</summary>
    public string Message => Kind switch
    {
        ReplicaOutcomeKind.Done => "done",
        ReplicaOutcomeKind.NotLeader => LeaderHint >= 0 ? $"this node is not the leader; node {LeaderHint} is" : "this node is not the leader and knows no leader",
        ReplicaOutcomeKind.NotChosen => $"leadership changed before slot {Slot} was chosen: nothing was applied; retry",
        ReplicaOutcomeKind.Unknown => _reason + ": it may or may not have been applied",
        ReplicaOutcomeKind.Overloaded => _reason + ": overloaded, retry later",
        ReplicaOutcomeKind.TooLarge => "the command is larger than a slot's batch may be",
        _ => _reason + ": the membership change was refused, nothing changed",
    };

    /// <summary>Completed with <paramref name="value"/>.</summary>
    internal static ReplicaOutcome<T> Done(T value) => new(ReplicaOutcomeKind.Done, value, -1, 0, null);

    /// <summary>This node does not lead; <paramref name="leaderHint"/> is the node it believes does (-1: unknown).</summary>
    internal static ReplicaOutcome<T> NotLeader(int leaderHint) => new(ReplicaOutcomeKind.NotLeader, default!, leaderHint, 0, null);

    /// <summary>Another value was chosen in <paramref name="slot"/>.</summary>
    internal static ReplicaOutcome<T> NotChosen(ulong slot) => new(ReplicaOutcomeKind.NotChosen, default!, -1, slot, null);

    /// <summary>The fate is unknown, because of <paramref name="reason"/>.</summary>
    internal static ReplicaOutcome<T> Unknown(string reason) => new(ReplicaOutcomeKind.Unknown, default!, -1, 0, reason);

    /// <summary>Not proposed: <paramref name="reason"/> says what is full.</summary>
    internal static ReplicaOutcome<T> Overloaded(string reason) => new(ReplicaOutcomeKind.Overloaded, default!, -1, 0, reason);

    /// <summary>Not proposed: the command alone is larger than a slot's batch may be.</summary>
    internal static ReplicaOutcome<T> TooLarge() => new(ReplicaOutcomeKind.TooLarge, default!, -1, 0, null);

    /// <summary>A membership change refused for <paramref name="reason"/>.</summary>
    internal static ReplicaOutcome<T> Refused(string reason) => new(ReplicaOutcomeKind.Refused, default!, -1, 0, reason);

    /// <summary>The same refusal for a request with another kind of answer; only for outcomes that are not <see cref="ReplicaOutcomeKind.Done"/>.</summary>
    internal ReplicaOutcome<TOther> Refusal<TOther>()
    {
        Paxos.Core.Invariant.Check(!IsDone, "only a refusal carries over to another kind of answer");
        return new(Kind, default!, LeaderHint, Slot, _reason);
    }

    /// <inheritdoc/>
    public override string ToString() => IsDone ? $"done: {Value}" : $"{Kind}: {Message}";
}
