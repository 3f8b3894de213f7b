using System.Text;
using Paxos.Core.Replication;

namespace Paxos.Core.Tests.Replication;

/// <summary>Helpers for unit tests that drive one <see cref="ReplicaCore"/> by hand.</summary>
internal static class ReplicaTestKit
{
    public const int ElectionTicks = 5;

    public static ReplicaOptions Options(int node, int size = 3, int window = 8) => new()
    {
        NodeId = node,
        ClusterSize = size,
        HeartbeatTicks = 1,
        ElectionTicks = ElectionTicks,
        MaxInflightSlots = window,
        PipelineDepth = window, // the whole window: LeaderTests cover a shallower pipeline
        MaxEntriesPerMessage = 16,
        MaxBatchCommands = 2,
        MaxBatchBytes = 64,
        MaxCommandBytes = 64,
        PreVote = false, // these tests elect a core by ticking it alone; PreVoteTests cover the pre-vote
    };

    public static ReplicaCore NewCore(int node, int size = 3, DurableState? state = null, int window = 8) =>
        new(Options(node, size, window), new FixedRandomSource(0), state ?? DurableState.Empty);

    /// <summary>Takes the pending Ready and acknowledges it, as a driver would after persisting, sending and applying.</summary>
    public static Ready Drain(ReplicaCore core)
    {
        Ready ready = core.TakeReady();
        core.Advance(ready);
        return ready;
    }

    public static List<T> MessagesOf<T>(Ready ready)
        where T : ReplicaMessage
    {
        var found = new List<T>();
        foreach (ReplicaMessage message in ready.Messages)
        {
            if (message is T typed)
            {
                found.Add(typed);
            }
        }

        return found;
    }

    public static T SingleTo<T>(Ready ready, int to)
        where T : ReplicaMessage =>
        Assert.Single(MessagesOf<T>(ready), m => m.To == to);

    /// <summary>A batch of <paramref name="commands"/> with no known origin, as recovered from an old record.</summary>
    public static SlotValue Value(params string[] commands) => ValueFrom(Ballot.Zero, commands);

    /// <summary>A batch of <paramref name="commands"/> composed by the leader of <paramref name="origin"/>.</summary>
    public static SlotValue ValueFrom(Ballot origin, params string[] commands)
    {
        var bytes = new ReadOnlyMemory<byte>[commands.Length];
        for (int i = 0; i < commands.Length; i++)
        {
            bytes[i] = Encoding.ASCII.GetBytes(commands[i]);
        }

        return new SlotValue(bytes, origin);
    }

    /// <summary>True if both batches hold the same commands, whatever their origins.</summary>
    public static bool SameCommands(this SlotValue value, SlotValue other) =>
        value.Commands.Count == other.Commands.Count
        && value.Commands.Zip(other.Commands).All(pair => pair.First.Span.SequenceEqual(pair.Second.Span));

    public static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);

    /// <summary>Ticks <paramref name="core"/> <paramref name="ticks"/> times.</summary>
    public static void Tick(ReplicaCore core, int ticks)
    {
        for (int i = 0; i < ticks; i++)
        {
            core.Tick();
        }
    }

    /// <summary>Ticks <paramref name="core"/> once and returns the Ready that followed, acknowledged.</summary>
    public static Ready TickAndDrain(ReplicaCore core)
    {
        core.Tick();
        return Drain(core);
    }

    /// <summary>Ticks <paramref name="core"/> into candidacy and returns the Ready holding its prepares.</summary>
    public static Ready StartElection(ReplicaCore core)
    {
        for (int i = 0; i < 2 * ElectionTicks && core.Role != ReplicaRole.Candidate; i++)
        {
            core.Tick();
        }

        Assert.Equal(ReplicaRole.Candidate, core.Role);
        return Drain(core);
    }

    /// <summary>Elects <paramref name="core"/> with empty promises from just enough peers; returns the Ready with its first accepts.</summary>
    public static Ready ElectLeader(ReplicaCore core, int size = 3)
    {
        StartElection(core);
        int needed = (size / 2) + 1 - 1;
        for (int peer = 0; peer < size && needed > 0; peer++)
        {
            if (peer != core.NodeId)
            {
                core.Step(new Promise(peer, core.NodeId, core.Promised, 0, []));
                needed--;
            }
        }

        Assert.Equal(ReplicaRole.Leader, core.Role);
        return Drain(core);
    }

    /// <summary>Every peer acknowledges every slot of every accept in <paramref name="ready"/>.</summary>
    public static void AcknowledgeAccepts(ReplicaCore leader, Ready ready, ulong followerCommit = 0)
    {
        foreach (Accept accept in MessagesOf<Accept>(ready))
        {
            var slots = new ulong[accept.Entries.Count];
            for (int i = 0; i < slots.Length; i++)
            {
                slots[i] = accept.Entries[i].Slot;
            }

            leader.Step(new AcceptReply(accept.To, accept.From, accept.Ballot, slots, followerCommit));
        }
    }

    /// <summary>
    /// Drains every node's Ready and delivers its messages (unless <paramref name="isLost"/>), in
    /// rounds, until no message is left; returns the entries each node applied meanwhile.
    /// </summary>
    public static List<LogEntry>[] Settle(ReplicaCore[] nodes, Func<ReplicaMessage, bool> isLost)
    {
        var applied = new List<LogEntry>[nodes.Length];
        for (int i = 0; i < nodes.Length; i++)
        {
            applied[i] = [];
        }

        var inFlight = new List<ReplicaMessage>();
        do
        {
            foreach (ReplicaMessage message in inFlight)
            {
                if (!isLost(message))
                {
                    nodes[message.To].Step(message);
                }
            }

            inFlight.Clear();
            for (int i = 0; i < nodes.Length; i++)
            {
                while (nodes[i].HasReady())
                {
                    Ready ready = Drain(nodes[i]);
                    inFlight.AddRange(ready.Messages);
                    applied[i].AddRange(ready.CommittedEntries);
                }
            }
        }
        while (inFlight.Count > 0);
        return applied;
    }

    /// <summary>A leader of a 3-node cluster whose read barrier (slot 1) is chosen and applied.</summary>
    public static ReplicaCore EstablishedLeader(int window = 8) => EstablishedLeader(Options(0, window: window));

    /// <summary>A leader with <paramref name="options"/> whose read barrier (slot 1) is chosen and applied.</summary>
    public static ReplicaCore EstablishedLeader(ReplicaOptions options)
    {
        var leader = new ReplicaCore(options, new FixedRandomSource(0), DurableState.Empty);
        AcknowledgeAccepts(leader, ElectLeader(leader));
        Ready ready = Drain(leader);
        Assert.Equal(1ul, leader.CommitIndex);
        Assert.Single(ready.CommittedEntries);
        return leader;
    }
}
