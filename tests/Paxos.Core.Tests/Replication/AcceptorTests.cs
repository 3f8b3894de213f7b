using Paxos.Core.Replication;
using static Paxos.Core.Tests.Replication.ReplicaTestKit;

namespace Paxos.Core.Tests.Replication;

public sealed class AcceptorTests
{
    private static readonly Ballot Low = new(1, 1);
    private static readonly Ballot High = new(2, 2);

    [Fact]
    public void PrepareAboveThePromiseIsPromisedAndPersistedWithTheReply()
    {
        ReplicaCore acceptor = NewCore(0);
        acceptor.Step(new Prepare(1, 0, Low, 1));
        Ready ready = Drain(acceptor);

        Assert.Equal(Low, ready.HardState!.Value.Promised);
        Promise promise = SingleTo<Promise>(ready, 1);
        Assert.Equal(Low, promise.Ballot);
        Assert.Empty(promise.Accepted);
    }

    [Fact]
    public void PrepareBelowThePromiseIsNackedWithThePromisedBallot()
    {
        ReplicaCore acceptor = NewCore(0);
        acceptor.Step(new Prepare(2, 0, High, 1));
        Drain(acceptor);

        acceptor.Step(new Prepare(1, 0, Low, 1));
        Ready ready = Drain(acceptor);

        Assert.Null(ready.HardState);
        Nack nack = SingleTo<Nack>(ready, 1);
        Assert.Equal(Low, nack.Rejected);
        Assert.Equal(High, nack.Promised);
        Assert.Equal(High, acceptor.Promised);
    }

    /// <summary>
    /// A Prepare in the highest round the wire allows was promised, and then no node could propose
    /// above it: the cluster stalled for good. The core drops a ballot too far above its promise.
    /// </summary>
    [Fact]
    public void BallotsTooFarAboveThePromiseAreDroppedAndOneAtTheBoundIsPromised()
    {
        ReplicaCore acceptor = NewCore(0);
        acceptor.Step(new Prepare(1, 0, Low, 1));
        Drain(acceptor);
        var beyond = new Ballot(Low.Round + BallotBound.MaxRoundsAhead + 1, 1);

        acceptor.Step(new Prepare(1, 0, beyond, 1));
        acceptor.Step(new Prepare(2, 0, new Ballot(long.MaxValue, 2), 1));
        acceptor.Step(new Accept(1, 0, beyond, 0, [new LogEntry(1, beyond, Value("a"))]));
        acceptor.Step(new Heartbeat(1, 0, beyond, 0, 1));

        Assert.False(acceptor.HasReady());
        Assert.Equal(Low, acceptor.Promised);
        Assert.False(acceptor.TryGetEntry(1, out _));

        var farthest = new Ballot(Low.Round + BallotBound.MaxRoundsAhead, 2);
        acceptor.Step(new Prepare(2, 0, farthest, 1));
        Assert.Equal(farthest, Drain(acceptor).HardState!.Value.Promised);
    }

    [Fact]
    public void PromiseReportsEveryAcceptedEntryFromTheRequestedSlot()
    {
        ReplicaCore acceptor = NewCore(0);
        acceptor.Step(new Accept(1, 0, Low, 0, [new LogEntry(1, Low, Value("a")), new LogEntry(3, Low, Value("c"))]));
        Drain(acceptor);

        acceptor.Step(new Prepare(2, 0, High, 2));
        Promise promise = SingleTo<Promise>(Drain(acceptor), 2);

        LogEntry reported = Assert.Single(promise.Accepted);
        Assert.Equal(3ul, reported.Slot);
        Assert.Equal(Low, reported.Ballot);
        Assert.True(reported.Value.SameCommands(Value("c")));
    }

    [Fact]
    public void AcceptAtThePromiseIsAcceptedPersistedAndAnswered()
    {
        ReplicaCore acceptor = NewCore(0);
        acceptor.Step(new Prepare(1, 0, Low, 1));
        Drain(acceptor);

        acceptor.Step(new Accept(1, 0, Low, 0, [new LogEntry(1, Low, Value("a")), new LogEntry(2, Low, Value("b"))]));
        Ready ready = Drain(acceptor);

        Assert.Equal([1ul, 2ul], ready.Entries.Select(e => e.Slot));
        AcceptReply reply = SingleTo<AcceptReply>(ready, 1);
        Assert.Equal([1ul, 2ul], reply.Slots);
        Assert.Equal(Low, reply.Ballot);
    }

    [Fact]
    public void AcceptAboveThePromiseRaisesIt()
    {
        ReplicaCore acceptor = NewCore(0);
        acceptor.Step(new Prepare(1, 0, Low, 1));
        Drain(acceptor);

        acceptor.Step(new Accept(2, 0, High, 0, [new LogEntry(1, High, Value("a"))]));
        Ready ready = Drain(acceptor);

        Assert.Equal(High, ready.HardState!.Value.Promised);
        Assert.Equal(2, acceptor.LeaderId);
    }

    [Fact]
    public void AcceptBelowThePromiseIsNackedAndNothingIsStored()
    {
        ReplicaCore acceptor = NewCore(0);
        acceptor.Step(new Prepare(2, 0, High, 1));
        Drain(acceptor);

        acceptor.Step(new Accept(1, 0, Low, 0, [new LogEntry(1, Low, Value("a"))]));
        Ready ready = Drain(acceptor);

        Assert.Empty(ready.Entries);
        Assert.Equal(High, SingleTo<Nack>(ready, 1).Promised);
        Assert.False(acceptor.TryGetEntry(1, out _));
    }

    [Fact]
    public void AcceptBeyondTheWindowAboveTheCommitIndexIsNotAccepted()
    {
        ReplicaCore acceptor = NewCore(0, window: 2);
        acceptor.Step(new Accept(1, 0, Low, 0, [new LogEntry(2, Low, Value("b")), new LogEntry(3, Low, Value("c"))]));
        Ready ready = Drain(acceptor);

        Assert.Equal([2ul], SingleTo<AcceptReply>(ready, 1).Slots);
        Assert.False(acceptor.TryGetEntry(3, out _));
    }

    [Fact]
    public void TheWindowStartsAtTheCommitIndexTheSameAcceptCarries()
    {
        ReplicaCore acceptor = NewCore(0, window: 2);
        acceptor.Step(new Accept(1, 0, Low, 0, [new LogEntry(1, Low, Value("a")), new LogEntry(2, Low, Value("b"))]));
        Drain(acceptor);

        // Slots 1 and 2 are chosen (commit 2 rides on this Accept): slots 3 and 4 fit the window.
        acceptor.Step(new Accept(1, 0, Low, 2, [new LogEntry(3, Low, Value("c")), new LogEntry(4, Low, Value("d"))]));
        Ready ready = Drain(acceptor);

        Assert.Equal([3ul, 4ul], SingleTo<AcceptReply>(ready, 1).Slots);
        Assert.Equal(2ul, acceptor.CommitIndex);
    }

    [Fact]
    public void RestartedAcceptorKeepsItsPromiseAndAcceptedEntries()
    {
        var durable = new DurableState(new HardState(High, 0), 0, [new LogEntry(1, High, Value("a"))]);
        ReplicaCore acceptor = NewCore(0, state: durable);

        acceptor.Step(new Prepare(1, 0, Low, 1));
        Assert.Equal(High, SingleTo<Nack>(Drain(acceptor), 1).Promised);

        acceptor.Step(new Prepare(1, 0, new Ballot(3, 1), 1));
        Promise promise = SingleTo<Promise>(Drain(acceptor), 1);
        Assert.Equal(High, Assert.Single(promise.Accepted).Ballot);
    }

    [Fact]
    public void PromisedBallotNeverDecreases()
    {
        ReplicaCore acceptor = NewCore(0);
        acceptor.Step(new Prepare(2, 0, High, 1));
        acceptor.Step(new Heartbeat(1, 0, Low, 0, 1));
        acceptor.Step(new Accept(1, 0, Low, 0, [new LogEntry(1, Low, Value("a"))]));

        Assert.Equal(High, acceptor.Promised);
        Assert.Equal(2, MessagesOf<Nack>(Drain(acceptor)).Count);
    }
}
