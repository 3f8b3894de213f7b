namespace Paxos.Core.SingleDecree;

/// <summary>
/// A proposal an acceptor has accepted: the ballot and the value. The value may be empty; "nothing
/// accepted" is expressed by the absence of a proposal (null), never by an empty value.
/// </summary>
public sealed record Proposal(Ballot Ballot, byte[] Value)
{
    /// <summary>True if this proposal's value is byte for byte <paramref name="other"/>.</summary>
    public bool HasSameValue(byte[] other) => Value.AsSpan().SequenceEqual(other);
}
