using Paxos.Core.SingleDecree;

namespace Paxos.Node.SingleDecree;

/// <summary>What a learner knows about an instance: the chosen value if learned, and the acceptor's accepted proposal.</summary>
public sealed record LearnReport(byte[]? Chosen, Proposal? Accepted);

/// <summary>One acceptor (and learner) of the cluster as a proposer sees it: the local one, or a peer over gRPC.</summary>
public interface IAcceptorPeer
{
    Task<PromiseReply> PrepareAsync(string instanceId, Paxos.Core.Ballot ballot, CancellationToken cancellationToken);

    Task<AcceptReply> AcceptAsync(string instanceId, Proposal proposal, CancellationToken cancellationToken);

    Task DecideAsync(string instanceId, byte[] value, CancellationToken cancellationToken);

    Task<LearnReport> LearnAsync(string instanceId, CancellationToken cancellationToken);
}
