using CsCheck;
using Paxos.Core.SingleDecree;

namespace Paxos.Core.Tests.SingleDecree;

/// <summary>
/// Safety under every interleaving: several proposers and in-memory acceptors exchange messages
/// that are delivered in random order, duplicated or lost, and proposers retry at random moments.
/// Whatever happens, no two different values are ever chosen, and every proposer that decides
/// decides the chosen value.
/// </summary>
public class AgreementPropertyTests
{
    private abstract record Message(int To);
    private sealed record PrepareMsg(int To, int From, Ballot Ballot) : Message(To);
    private sealed record AcceptMsg(int To, int From, Proposal Proposal) : Message(To);
    private sealed record PromiseMsg(int To, int From, PromiseReply Reply) : Message(To);
    private sealed record AcceptedMsg(int To, int From, AcceptReply Reply) : Message(To);

    private sealed record Scenario(int Acceptors, int Proposers, int Steps, int Seed);

    private static readonly Gen<Scenario> Scenarios =
        from acceptors in Gen.Int[0, 3].Select(i => 2 * i + 1)
        from proposers in Gen.Int[2, 4]
        from steps in Gen.Int[20, 400]
        from seed in Gen.Int
        select new Scenario(acceptors, proposers, steps, seed);

    [Fact]
    public void No_two_different_values_are_ever_chosen() =>
        Scenarios.Sample(RunScenario, iter: 5_000, threads: 1);

    private static void RunScenario(Scenario scenario)
    {
        var random = new Random(scenario.Seed);
        int n = scenario.Acceptors;
        var acceptors = Enumerable.Repeat(AcceptorState.Initial, n).ToArray();
        // Proposer p is node p % n (several proposers may share a node id only if they are
        // the same node, so give each its own id in a cluster at least as large).
        int idSpace = Math.Max(n, scenario.Proposers);
        var proposers = Enumerable.Range(0, scenario.Proposers)
            .Select(p => new Proposer(p, idSpace, p == 0 ? [] : [(byte)p]))
            .ToArray();
        var network = new List<Message>();
        var votes = new Dictionary<Ballot, (byte[] Value, HashSet<int> By)>();
        byte[]? chosen = null;

        for (int step = 0; step < scenario.Steps; step++)
        {
            int roll = random.Next(100);
            if (roll < 15 || network.Count == 0)
            {
                var proposer = random.Next(proposers.Length);
                if (proposers[proposer].Phase != ProposerPhase.Decided)
                {
                    var ballot = proposers[proposer].StartRound(Ballot.Zero);
                    for (int a = 0; a < n; a++)
                    {
                        network.Add(new PrepareMsg(a, proposer, ballot));
                    }
                }
                continue;
            }
            int index = random.Next(network.Count);
            var message = network[index];
            if (random.Next(100) >= 10) // 10%: keep it in flight as a duplicate
            {
                network.RemoveAt(index);
            }
            if (random.Next(100) < 10) // 10%: lost
            {
                continue;
            }
            switch (message)
            {
                case PrepareMsg m:
                    var promise = Acceptor.OnPrepare(acceptors[m.To], m.Ballot);
                    acceptors[m.To] = promise.State;
                    network.Add(new PromiseMsg(m.From, m.To, promise.Reply));
                    break;
                case AcceptMsg m:
                    var accept = Acceptor.OnAccept(acceptors[m.To], m.Proposal);
                    acceptors[m.To] = accept.State;
                    if (accept.Reply.Granted)
                    {
                        chosen = RecordVote(votes, m.To, m.Proposal, Quorum.Of(n), chosen);
                    }
                    network.Add(new AcceptedMsg(m.From, m.To, accept.Reply));
                    break;
                case PromiseMsg m:
                    if (proposers[m.To].OnPromise(m.From, m.Reply) is ProposerAction.SendAccept send)
                    {
                        for (int a = 0; a < n; a++)
                        {
                            network.Add(new AcceptMsg(a, m.To, send.Proposal));
                        }
                    }
                    break;
                case AcceptedMsg m:
                    if (proposers[m.To].OnAcceptReply(m.From, m.Reply) is ProposerAction.Decided decided)
                    {
                        Assert.NotNull(chosen);
                        Assert.Equal(chosen, decided.Value);
                    }
                    break;
            }
        }
    }

    private static byte[]? RecordVote(Dictionary<Ballot, (byte[] Value, HashSet<int> By)> votes, int acceptor, Proposal proposal, int quorum, byte[]? chosen)
    {
        if (!votes.TryGetValue(proposal.Ballot, out var vote))
        {
            vote = (proposal.Value, []);
            votes.Add(proposal.Ballot, vote);
        }
        vote.By.Add(acceptor);
        if (vote.By.Count < quorum)
        {
            return chosen;
        }
        if (chosen is not null && !chosen.AsSpan().SequenceEqual(vote.Value))
        {
            Assert.Fail($"two values chosen: [{string.Join(",", chosen)}] and [{string.Join(",", vote.Value)}] (ballot {proposal.Ballot})");
        }
        return vote.Value;
    }
}
