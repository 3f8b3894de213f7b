using System.Globalization;
using System.Text;
using Paxos.Core.Replication;

namespace Paxos.Core.Tests.Replication;

/// <summary>
/// A randomized in-memory cluster: an unreliable network (random delivery order, drops, duplicates),
/// crashes that lose whatever was not persisted, restarts from persisted state, snapshots, random
/// proposals and reads. After every step it checks safety against a global record of chosen values:
/// no slot is committed with two different values on any node, at any time, across crashes; applied
/// sequences are prefixes of that one sequence; read indexes cover everything applied anywhere
/// before the read was requested.
/// </summary>
internal sealed class SimulatedCluster
{
    private readonly Random random;
    private readonly SimulatedNode[] nodes;
    private readonly List<ReplicaMessage> network = [];
    private readonly List<ReplicaMessage> heldBack = [];
    private int isolated = -1;
    private readonly List<(int To, List<SlotValue> State)> snapshotsInFlight = [];
    private readonly List<SlotValue> chosen = [];
    private readonly ulong[] checkedCommit;
    private readonly Dictionary<ulong, int> readFloors = [];
    private readonly bool changeMembership;
    private int commandCounter;
    private ulong readCounter;

    /// <param name="size">Nodes simulated.</param>
    /// <param name="seed">Seeds every random choice.</param>
    /// <param name="template">Options for every node (its number and the founding size are set here).</param>
    /// <param name="founders">Nodes 0..founders-1 found the cluster; the others start knowing no membership and join when added.</param>
    /// <param name="changeMembership">Whether random steps include membership changes proposed to a leader.</param>
    public SimulatedCluster(int size, int seed, ReplicaOptions? template = null, int? founders = null, bool changeMembership = false)
    {
        int foundingSize = founders ?? size;
        this.changeMembership = changeMembership;
        var founding = Membership.OfSize(foundingSize);
        random = new Random(seed);
        ReplicaOptions baseOptions = template ?? DefaultOptions;
        nodes = new SimulatedNode[size];
        for (int i = 0; i < size; i++)
        {
            nodes[i] = new SimulatedNode(
                baseOptions with { NodeId = i, ClusterSize = foundingSize }, random.Next(), founding, i < foundingSize ? founding : Membership.Unknown);
        }

        checkedCommit = new ulong[size];
    }

    /// <summary>The options every node gets unless a template is given (its number and founding size are set per node).</summary>
    public static ReplicaOptions DefaultOptions { get; } = new()
    {
        NodeId = 0,
        HeartbeatTicks = 2,
        ElectionTicks = 10,
        MaxInflightSlots = 8,
        PipelineDepth = 8, // the whole window, as the planted-bug bounds of these runs were found with
        MaxEntriesPerMessage = 4,
        MaxBatchCommands = 3,
        SnapshotRetryTicks = 20,
    };

    public double DropProbability { get; set; } = 0.1;

    public double DuplicateProbability { get; set; } = 0.05;

    public IReadOnlyList<SimulatedNode> Nodes => nodes;

    /// <summary>Slots chosen so far (the length of the global chosen sequence).</summary>
    public int ChosenSlots => chosen.Count;

    public int Crashes { get; private set; }

    public int SnapshotsInstalled { get; private set; }

    public int ReadsServed { get; private set; }

    public int LeadershipChanges { get; private set; }

    /// <summary>Membership changes proposed (not all get chosen).</summary>
    public int MembershipChangesProposed { get; private set; }

    /// <summary>Promotions of a learner proposed (not all get chosen).</summary>
    public int PromotionsProposed { get; private set; }

    /// <summary>Performs one random action (with faults), then checks safety.</summary>
    public void RandomStep()
    {
        int roll = random.Next(1000);
        if (roll < 490)
        {
            DeliverRandomMessage(faulty: true);
        }
        else if (roll < 493)
        {
            Isolate(random.Next(nodes.Length));
        }
        else if (roll < 500)
        {
            Heal();
        }
        else if (roll < 600)
        {
            TickAll();
        }
        else if (roll < 820)
        {
            ProcessReady(random.Next(nodes.Length), mayCrash: true);
        }
        else if (roll < 900 && changeMembership && roll >= 885)
        {
            ChangeMembership(AnyLeader());
        }
        else if (roll < 900)
        {
            ProposeTo(random.Next(2) == 0 ? random.Next(nodes.Length) : AnyLeader(), NewCommand());
        }
        else if (roll < 930)
        {
            RequestRead(random.Next(nodes.Length));
        }
        else if (roll < 945)
        {
            DeliverSnapshot();
        }
        else if (roll < 948)
        {
            Crash(random.Next(nodes.Length));
        }
        else if (roll < 985)
        {
            RestartRandomDownNode();
        }
        else
        {
            SimulatedNode node = nodes[random.Next(nodes.Length)];
            if (node.Up)
            {
                node.TakeSnapshot();
            }
        }

        CheckSafety();
    }

    /// <summary>
    /// Heals every fault and runs ticks with reliable delivery until <paramref name="commands"/> are
    /// applied on every node, re-proposing each to the current leader as a client would. Returns the
    /// number of ticks it took, or -1 if they were not all applied within <paramref name="maxTicks"/>.
    /// </summary>
    public int RunUntilCommitted(IReadOnlyList<byte[]> commands, int maxTicks)
    {
        DropProbability = 0;
        DuplicateProbability = 0;
        Heal();

        for (int i = 0; i < nodes.Length; i++)
        {
            if (!nodes[i].Up)
            {
                Restart(i);
            }
        }

        for (int tick = 1; tick <= maxTicks; tick++)
        {
            TickAll();
            Settle();
            int leader = SingleLeader();
            if (leader >= 0)
            {
                foreach (byte[] command in commands)
                {
                    if (!AppliedEverywhere(command))
                    {
                        ProposeTo(leader, command);
                    }
                }

                Settle();
            }

            bool done = true;
            foreach (byte[] command in commands)
            {
                done &= AppliedEverywhere(command);
            }

            if (done)
            {
                return tick;
            }
        }

        return -1;
    }

    public byte[] NewCommand() => Encoding.ASCII.GetBytes($"cmd-{commandCounter++}");

    /// <summary>The one node that believes it leads in the highest ballot, or -1.</summary>
    public int SingleLeader()
    {
        int leader = -1;
        Ballot best = Ballot.Zero;
        foreach (SimulatedNode node in nodes)
        {
            if (node.Up && node.Core.Role == ReplicaRole.Leader && node.Core.Promised > best)
            {
                best = node.Core.Promised;
                leader = node.Core.NodeId;
            }
        }

        return leader;
    }

    /// <summary>One line per node, for failure messages.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        foreach (SimulatedNode node in nodes)
        {
            ReplicaCore core = node.Core;
            text.Append(CultureInfo.InvariantCulture, $"node {core.NodeId}: up={node.Up} role={core.Role} leader={core.LeaderId} ")
                .Append(CultureInfo.InvariantCulture, $"promised={core.Promised} commit={core.CommitIndex} applied={core.AppliedIndex} ")
                .Append(CultureInfo.InvariantCulture, $"snapshot={core.SnapshotIndex} voter={core.IsVoter} {core.Membership} next:");
            for (ulong slot = core.CommitIndex + 1; slot <= core.CommitIndex + 4; slot++)
            {
                text.Append(core.TryGetEntry(slot, out LogEntry entry) ? $" {slot}@{entry.Ballot}" : $" {slot}@-");
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Whether every member of the leader's membership applied <paramref name="command"/>.</summary>
    private bool AppliedEverywhere(byte[] command)
    {
        int leader = SingleLeader();
        if (leader < 0)
        {
            return false;
        }

        foreach (SimulatedNode node in nodes)
        {
            if (!nodes[leader].Core.Membership.IsMember(node.Core.NodeId))
            {
                continue; // a node removed, or never added, is told nothing
            }

            bool found = false;
            foreach (SlotValue value in node.Applied)
            {
                foreach (ReadOnlyMemory<byte> applied in value.Commands)
                {
                    found |= applied.Span.SequenceEqual(command);
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Delivers every message and processes every Ready until the cluster is quiet.</summary>
    private void Settle()
    {
        for (int round = 0; round < 10_000; round++)
        {
            bool busy = false;
            for (int i = 0; i < nodes.Length; i++)
            {
                if (nodes[i].Up && nodes[i].Core.HasReady())
                {
                    ProcessReady(i, mayCrash: false);
                    busy = true;
                }
            }

            while (network.Count > 0)
            {
                DeliverRandomMessage(faulty: false);
                busy = true;
            }

            while (snapshotsInFlight.Count > 0)
            {
                DeliverSnapshot();
                busy = true;
            }

            CheckSafety();
            if (!busy)
            {
                return;
            }
        }

        throw new InvalidOperationException("cluster did not settle");
    }

    private void TickAll()
    {
        foreach (SimulatedNode node in nodes)
        {
            if (node.Up)
            {
                node.Core.Tick();
            }
        }
    }

    /// <summary>Partitions <paramref name="id"/> away: its messages are held back, as by a partitioned link.</summary>
    private void Isolate(int id)
    {
        if (isolated < 0)
        {
            isolated = id;
        }
    }

    /// <summary>Ends the partition, releasing the held messages late into the network.</summary>
    private void Heal()
    {
        isolated = -1;
        network.AddRange(heldBack);
        heldBack.Clear();
    }

    /// <summary>A random node that believes it leads (possibly a deposed one), or a random node.</summary>
    private int AnyLeader()
    {
        int start = random.Next(nodes.Length);
        for (int i = 0; i < nodes.Length; i++)
        {
            int id = (start + i) % nodes.Length;
            if (nodes[id].Up && nodes[id].Core.Role == ReplicaRole.Leader)
            {
                return id;
            }
        }

        return start;
    }

    private void DeliverRandomMessage(bool faulty)
    {
        if (network.Count == 0)
        {
            return;
        }

        int index = random.Next(network.Count);
        ReplicaMessage message = network[index];
        if (message.From == isolated || message.To == isolated)
        {
            heldBack.Add(message);
            network[index] = network[^1];
            network.RemoveAt(network.Count - 1);
            return;
        }

        bool duplicate = faulty && random.NextDouble() < DuplicateProbability;
        if (!duplicate)
        {
            network[index] = network[^1];
            network.RemoveAt(network.Count - 1);
        }

        if ((faulty && random.NextDouble() < DropProbability) || !nodes[message.To].Up)
        {
            return;
        }

        nodes[message.To].Core.Step(message);
    }

    private void DeliverSnapshot()
    {
        if (snapshotsInFlight.Count == 0)
        {
            return;
        }

        int index = random.Next(snapshotsInFlight.Count);
        (int to, List<SlotValue> state) = snapshotsInFlight[index];
        snapshotsInFlight.RemoveAt(index);
        SimulatedNode node = nodes[to];
        if (node.Up)
        {
            CheckAgainstChosen(state, to);
            if (node.InstallSnapshot(state))
            {
                SnapshotsInstalled++;
            }
        }
    }

    private void ProcessReady(int id, bool mayCrash)
    {
        SimulatedNode node = nodes[id];
        if (!node.Up || !node.Core.HasReady())
        {
            return;
        }

        Ready ready = node.Core.TakeReady();
        node.Persist(ready);
        if (ready.SoftState is { Role: ReplicaRole.Leader })
        {
            LeadershipChanges++;
        }

        if (mayCrash && random.Next(1000) < 5)
        {
            Crash(id);
            return;
        }

        network.AddRange(ready.Messages);
        foreach (LogEntry entry in ready.CommittedEntries)
        {
            Assert.Equal((ulong)node.Applied.Count + 1, entry.Slot);
            RecordChosen(entry.Slot, entry.Value, id);
            node.Applied.Add(entry.Value);
        }

        foreach (ReadState read in ready.ReadStates)
        {
            int floor = readFloors[read.RequestId];
            Assert.True(read.Index >= (ulong)floor, $"read {read.RequestId} at {read.Index} misses slot {floor} applied before it was requested");
            ReadsServed++;
        }

        foreach (SnapshotTransfer transfer in ready.SnapshotsToSend)
        {
            Assert.True((ulong)node.SnapshotState.Count >= transfer.Index, "snapshot index beyond the node's snapshot");
            snapshotsInFlight.Add((transfer.To, node.SnapshotState));
        }

        node.Core.Advance(ready);
    }

    private void ProposeTo(int id, byte[] command)
    {
        if (nodes[id].Up)
        {
            nodes[id].Core.Propose(command);
        }
    }

    /// <summary>Proposes a random change to <paramref name="id"/>: add the next node as a learner, promote a learner, or remove a member.</summary>
    private void ChangeMembership(int id)
    {
        Membership current = nodes[id].Core.Membership;
        if (!nodes[id].Up || current.Members.Count == 0)
        {
            return;
        }

        Member[] learners = [.. current.Members.Where(member => !member.IsVoter)];
        MembershipChange change = random.Next(3) switch
        {
            0 when current.NextNumber < nodes.Length => MembershipChange.AddLearner($"n{current.NextNumber}", string.Empty),
            1 when learners.Length > 0 => MembershipChange.Promote(learners[random.Next(learners.Length)].Number),
            _ => MembershipChange.Remove(current.Members[random.Next(current.Members.Count)].Number),
        };
        if (nodes[id].Core.ChangeMembership(change).Status == MembershipChangeStatus.Proposed)
        {
            MembershipChangesProposed++;
            PromotionsProposed += change.Kind == MembershipChangeKind.Promote ? 1 : 0;
        }
    }

    private void RequestRead(int id)
    {
        if (!nodes[id].Up)
        {
            return;
        }

        int floor = 0;
        foreach (SimulatedNode node in nodes)
        {
            floor = Math.Max(floor, node.Applied.Count);
        }

        readCounter++;
        readFloors[readCounter] = floor;
        nodes[id].Core.ReadIndex(readCounter);
    }

    private void RestartRandomDownNode()
    {
        int id = random.Next(nodes.Length);
        if (!nodes[id].Up)
        {
            Restart(id);
        }
    }

    private void Crash(int id)
    {
        if (nodes[id].Up)
        {
            nodes[id].Crash();
            Crashes++;
        }
    }

    private void Restart(int id)
    {
        nodes[id].Restart(random.Next());
        checkedCommit[id] = nodes[id].Core.SnapshotIndex;
    }

    private void CheckSafety()
    {
        for (int id = 0; id < nodes.Length; id++)
        {
            SimulatedNode node = nodes[id];
            if (!node.Up)
            {
                continue;
            }

            ReplicaCore core = node.Core;
            Assert.True(core.AppliedIndex <= core.CommitIndex, "applied index above commit index");
            ulong from = Math.Max(checkedCommit[id], core.SnapshotIndex);
            for (ulong slot = from + 1; slot <= core.CommitIndex; slot++)
            {
                Assert.True(core.TryGetEntry(slot, out LogEntry entry), $"node {id} lacks committed slot {slot}");
                RecordChosen(slot, entry.Value, id);
            }

            checkedCommit[id] = Math.Max(checkedCommit[id], core.CommitIndex);
        }
    }

    private void CheckAgainstChosen(List<SlotValue> state, int id)
    {
        for (int i = 0; i < state.Count; i++)
        {
            RecordChosen((ulong)i + 1, state[i], id);
        }
    }

    private void RecordChosen(ulong slot, SlotValue value, int id)
    {
        while ((ulong)chosen.Count < slot)
        {
            chosen.Add(null!);
        }

        SlotValue? known = chosen[(int)slot - 1];
        if (known is null)
        {
            chosen[(int)slot - 1] = value;
        }
        else
        {
            Assert.True(known.ContentEquals(value), $"slot {slot} committed with two different values (node {id})");
        }
    }
}
