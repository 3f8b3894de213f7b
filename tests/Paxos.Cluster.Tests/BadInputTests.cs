using Google.Protobuf;
using Grpc.Core;
using Paxos.Cluster.Tests.Harness;
using Paxos.Transport.V1;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests;

/// <summary>Malformed requests and configurations get clear errors; a node keeps serving and its state is untouched.</summary>
public sealed class BadInputTests(ITestOutputHelper output) : IDisposable
{
    private readonly LocalCluster _cluster = new(output, size: 3);

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Malformed_requests_get_INVALID_ARGUMENT_and_change_nothing()
    {
        await _cluster.StartAllAsync();
        var node = _cluster.PeerAs(0, 1);
        var good = new Ballot { Round = 1, NodeIndex = 1 };
        var cases = new (string Name, Func<Task> Call, string Expected)[]
        {
            ("absent ballot", () => node.PrepareAsync(new PrepareRequest { InstanceId = "i" }).ResponseAsync, "ballot is missing"),
            ("round 0", () => node.PrepareAsync(new PrepareRequest { InstanceId = "i", Ballot = new Ballot { Round = 0, NodeIndex = 1 } }).ResponseAsync, "round 0"),
            ("unknown node", () => node.PrepareAsync(new PrepareRequest { InstanceId = "i", Ballot = new Ballot { Round = 1, NodeIndex = 3 } }).ResponseAsync, "not a node of this 3-node cluster"),
            ("negative node", () => node.AcceptAsync(new AcceptRequest { InstanceId = "i", Ballot = new Ballot { Round = 1, NodeIndex = -1 } }).ResponseAsync, "not a node"),
            ("empty instance", () => node.PrepareAsync(new PrepareRequest { Ballot = good }).ResponseAsync, "instance_id is empty"),
            ("long instance", () => node.PrepareAsync(new PrepareRequest { InstanceId = new string('x', 101), Ballot = good }).ResponseAsync, "limit is 100"),
            ("value over 1 MiB", () => node.AcceptAsync(new AcceptRequest { InstanceId = "i", Ballot = good, Value = ByteString.CopyFrom(new byte[1024 * 1024 + 1]) }).ResponseAsync, "limit is 1048576"),
            ("propose over 1 MiB", () => _cluster.Consensus(0).ProposeAsync(new ProposeRequest { InstanceId = "i", Value = ByteString.CopyFrom(new byte[1024 * 1024 + 1]) }).ResponseAsync, "limit is 1048576"),
        };
        foreach (var (name, call, expected) in cases)
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.True(error.StatusCode == StatusCode.InvalidArgument, $"{name}: got {error.StatusCode}");
            Assert.True(error.Status.Detail.Contains(expected, StringComparison.Ordinal), $"{name}: '{error.Status.Detail}' lacks '{expected}'");
        }

        var state = await node.LearnAsync(new LearnRequest { InstanceId = "i" });
        Assert.False(state.HasAccepted);
        Assert.True((await node.PrepareAsync(new PrepareRequest { InstanceId = "i", Ballot = good })).Promised);
        Assert.Equal("fine", (await _cluster.ProposeAsync(0, "fine")));
    }

    [Fact]
    public async Task A_value_of_exactly_1_MiB_is_accepted()
    {
        await _cluster.StartAllAsync();
        var value = ByteString.CopyFrom(new byte[1024 * 1024]);
        var reply = await _cluster.Consensus(1).ProposeAsync(new ProposeRequest { InstanceId = "big", Value = value });
        Assert.Equal(value, reply.ChosenValue);
    }

    [Fact]
    public async Task A_snapshot_from_a_peer_that_does_not_parse_is_refused_and_the_node_keeps_serving()
    {
        await _cluster.StartAllAsync();
        await _cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
        var store = _cluster.KeyValue(0);
        await store.PutAsync(new PutRequest { Key = "k", Value = ByteString.CopyFromUtf8("before") }, deadline: DateTime.UtcNow.AddSeconds(10));

        using var call = _cluster.PeerAs(0, 1).InstallSnapshot(deadline: DateTime.UtcNow.AddSeconds(10));
        await call.RequestStream.WriteAsync(new SnapshotChunk
        {
            FromNode = 1,
            Index = 1_000_000,
            Metadata = ByteString.CopyFrom(new byte[8]),
            Data = ByteString.CopyFromUtf8("not a key-value snapshot"),
            Last = true,
        });
        await call.RequestStream.CompleteAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.True(error.StatusCode == StatusCode.InvalidArgument, $"got {error.Status}");
        Assert.Contains("could not be restored", error.Status.Detail, StringComparison.Ordinal);
        await store.PutAsync(new PutRequest { Key = "k", Value = ByteString.CopyFromUtf8("after") }, deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.True((await _cluster.StatusAsync(0)).AppliedIndex < 1_000_000);

        _cluster.Kill(0); // the refused snapshot replaced nothing on disk: the node starts again
        await _cluster.StartAndWaitAsync(0);
        var read = await _cluster.KeyValue(0).GetAsync(new GetRequest { Key = "k" }, deadline: DateTime.UtcNow.AddSeconds(20));
        Assert.Equal("after", read.Value.ToStringUtf8());
    }

    [Theory]
    [InlineData("nodes: []\n", "'nodes' is missing or empty")]
    [InlineData("nodes:\n  - id: a\n    url: http://127.0.0.1:1\n  - id: a\n    url: http://127.0.0.1:2\n", "appears twice")]
    [InlineData("nodes:\n  - id: a\n    url: not a url\n", "not an http:// or https:// URL")]
    [InlineData("nodes:\n  - url: http://127.0.0.1:1\n", "has no id")]
    [InlineData("nodes: [", "not a valid cluster file")]
    public async Task A_bad_cluster_file_is_a_clear_start_up_error(string yaml, string expected)
    {
        string path = Path.Combine(_cluster.Root, "bad.yaml");
        await File.WriteAllTextAsync(path, yaml);
        using var process = NodeProcess.Start(["node", "--config", path, "--id", "a", "--data-dir", Path.Combine(_cluster.Root, "bad")]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(2, process.ExitCode);
        Assert.Contains(expected, process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_id_not_in_the_cluster_file_is_a_clear_start_up_error()
    {
        using var process = NodeProcess.Start(["node", "--config", _cluster.ConfigPath, "--id", "node-9", "--data-dir", Path.Combine(_cluster.Root, "x")]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("node id 'node-9' is not in the cluster file", process.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("70000")]
    [InlineData("own")]
    public async Task A_metrics_port_that_is_no_port_or_the_nodes_own_is_a_clear_start_up_error(string port)
    {
        string value = port == "own" ? _cluster.Config.Nodes[0].Port.ToString(System.Globalization.CultureInfo.InvariantCulture) : port;
        using var process = NodeProcess.Start(["node", "--config", _cluster.ConfigPath, "--id", "node-0", "--data-dir", Path.Combine(_cluster.Root, "m"), "--metrics-port", value]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(2, process.ExitCode);
        Assert.Contains($"the metrics port (--metrics-port {value}) must be 1 to 65535", process.Output, StringComparison.Ordinal);
    }
}
