using Google.Protobuf;
using Paxos.Cluster.Tests.Harness;
using Paxos.Transport.V1;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests;

/// <summary>An acceptor's promise and acceptance survive SIGKILL: they were fsynced before the reply.</summary>
public sealed class AcceptorDurabilityTests(ITestOutputHelper output) : IDisposable
{
    private readonly LocalCluster _cluster = new(output, size: 3);

    public void Dispose() => _cluster.Dispose();

    private static Ballot B(ulong round, int node) => new() { Round = round, NodeIndex = node };

    [Fact]
    public async Task A_promise_survives_SIGKILL()
    {
        await _cluster.StartAllAsync();
        Assert.True((await _cluster.PeerAs(1, 2).PrepareAsync(new PrepareRequest { InstanceId = "p", Ballot = B(9, 2) })).Promised);

        _cluster.Kill(1);
        await _cluster.StartAndWaitAsync(1);

        var fromNode0 = _cluster.PeerAs(1, 0);
        var lower = await fromNode0.PrepareAsync(new PrepareRequest { InstanceId = "p", Ballot = B(8, 0) });
        Assert.False(lower.Promised);
        Assert.Equal(B(9, 2), lower.PromisedBallot);
        var accept = await fromNode0.AcceptAsync(new AcceptRequest { InstanceId = "p", Ballot = B(8, 0), Value = ByteString.CopyFromUtf8("late") });
        Assert.False(accept.Accepted);
        Assert.False((await fromNode0.LearnAsync(new LearnRequest { InstanceId = "p" })).HasAccepted);
    }

    [Fact]
    public async Task An_acceptance_survives_SIGKILL_and_is_reported_in_later_promises()
    {
        await _cluster.StartAllAsync();
        var fromNode1 = _cluster.PeerAs(2, 1);
        Assert.True((await fromNode1.PrepareAsync(new PrepareRequest { InstanceId = "a", Ballot = B(5, 1) })).Promised);
        Assert.True((await fromNode1.AcceptAsync(new AcceptRequest { InstanceId = "a", Ballot = B(5, 1), Value = ByteString.CopyFromUtf8("durable") })).Accepted);

        _cluster.Kill(2);
        await _cluster.StartAndWaitAsync(2);

        Assert.False((await fromNode1.PrepareAsync(new PrepareRequest { InstanceId = "a", Ballot = B(4, 1) })).Promised);
        var promise = await _cluster.PeerAs(2, 0).PrepareAsync(new PrepareRequest { InstanceId = "a", Ballot = B(6, 0) });
        Assert.True(promise.Promised);
        Assert.True(promise.HasAccepted);
        Assert.Equal(B(5, 1), promise.AcceptedBallot);
        Assert.Equal("durable", promise.AcceptedValue.ToStringUtf8());
    }

    [Fact]
    public async Task A_proposer_never_reuses_a_ballot_after_a_restart()
    {
        await _cluster.StartAllAsync();
        var first = await _cluster.Consensus(0).ProposeAsync(new ProposeRequest { InstanceId = "one", Value = ByteString.CopyFromUtf8("x") });

        _cluster.Kill(0);
        await _cluster.StartAndWaitAsync(0);
        var second = await _cluster.Consensus(0).ProposeAsync(new ProposeRequest { InstanceId = "two", Value = ByteString.CopyFromUtf8("y") });

        Assert.Equal(0, second.Ballot.NodeIndex);
        Assert.True(second.Ballot.Round > first.Ballot.Round, $"ballot {second.Ballot} reused or lower than {first.Ballot}");
    }

    [Fact]
    public async Task A_corrupt_state_file_stops_the_node_with_a_clear_message()
    {
        await _cluster.StartAllAsync();
        Assert.True((await _cluster.PeerAs(1, 0).PrepareAsync(new PrepareRequest { InstanceId = "c", Ballot = B(3, 0) })).Promised);
        _cluster.Kill(1);
        string file = Directory.GetFiles(Path.Combine(_cluster.DataDirectory(1), "single-decree"), "*.instance").Single();
        byte[] bytes = await File.ReadAllBytesAsync(file);
        bytes[8] ^= 0x01;
        await File.WriteAllBytesAsync(file, bytes);

        var process = _cluster.Start(1);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("Corrupt storage file", process.Output, StringComparison.Ordinal);
        Assert.Contains(file, process.Output, StringComparison.Ordinal);
    }
}
