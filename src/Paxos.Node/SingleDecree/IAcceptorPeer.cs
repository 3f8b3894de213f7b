using Paxos.Core.SingleDecree;

namespace Paxos.Node.SingleDecree;

/// <summary>What a learner knows about an instance: the chosen value if learned, and the acceptor's accepted proposal.</summary>
public sealed record LearnReport(byte[]? Chosen, Proposal? Accepted);

/// <summary>One acceptor (and learner) of the cluster as a proposer sees it: the local one, or a peer over gRPC.</summary>
public interface IAcceptorPeer
{
    /// <summary>Phase 1a: asks for a promise not to accept below <paramref name="ballot"/>; the reply carries what it accepted.</summary>
    Task<PromiseReply> PrepareAsync(string instanceId, Paxos.Core.Ballot ballot, CancellationToken cancellationToken);

    /// <summary>Phase 2a: asks it to accept <paramref name="proposal"/>.</summary>
    Task<AcceptReply> AcceptAsync(string instanceId, Proposal proposal, CancellationToken cancellationToken);

    /// <summary>Tells its learner that <paramref name="value"/> was chosen.</summary>
    Task DecideAsync(string instanceId, byte[] value, CancellationToken cancellationToken);

    /// <summary>What it learned and accepted for the instance.</summary>
    Task<LearnReport> LearnAsync(string instanceId, CancellationToken cancellationToken);
}
