using Paxos.Checking;

namespace Paxos.Simulation.Paxos;

/// <summary>What travels between clients and replicas on the simulated client network.</summary>
internal abstract record ClientPacket;

/// <summary>A client asks a replica to run <paramref name="Input"/> (a retry repeats the request id).</summary>
/// <param name="Client">The client's number.</param>
/// <param name="RequestId">The client's sequence number for this operation; writes carry it for exactly-once.</param>
/// <param name="Input">The operation.</param>
internal sealed record ClientRequest(int Client, ulong RequestId, KvInput Input) : ClientPacket
{
    /// <inheritdoc/>
    public override string ToString() => $"c{Client} request {RequestId} {Input}";
}

/// <summary>How a replica answered a <see cref="ClientRequest"/>.</summary>
internal enum ClientResponseKind
{
    /// <summary>The operation took effect (or was read) with the attached output.</summary>
    Done,

    /// <summary>This replica does not lead; try the hinted leader (or any node if the hint is -1).</summary>
    NotLeader,

    /// <summary>The attempt failed without effect here (busy, or another value was chosen in its slot); retry.</summary>
    Retry,
}

/// <summary>A replica's answer to request <paramref name="RequestId"/> of its client.</summary>
/// <param name="RequestId">The request answered.</param>
/// <param name="Kind">Whether it is done, redirected or to be retried.</param>
/// <param name="Output">The output when <see cref="ClientResponseKind.Done"/>; null otherwise.</param>
/// <param name="LeaderHint">The leader the replica knows of, or -1.</param>
internal sealed record ClientResponse(ulong RequestId, ClientResponseKind Kind, KvOutput? Output, int LeaderHint) : ClientPacket
{
    /// <inheritdoc/>
    public override string ToString() => $"response to request {RequestId}: {Kind}{(Output is null ? "" : $" {Output}")}{(LeaderHint >= 0 ? $" (leader n{LeaderHint})" : "")}";
}
