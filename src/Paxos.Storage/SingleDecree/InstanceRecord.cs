using Paxos.Core.SingleDecree;

namespace Paxos.Storage.SingleDecree;

/// <summary>Everything one node keeps about one single-decree instance: its acceptor state and, once learned, the chosen value.</summary>
public sealed record InstanceRecord(AcceptorState Acceptor, byte[]? Chosen)
{
    /// <summary>An instance this node has not taken part in: nothing promised, accepted or learned.</summary>
    public static readonly InstanceRecord Empty = new(AcceptorState.Initial, null);
}
