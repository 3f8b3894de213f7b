using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Paxos.Cluster.Tests.Harness;
using Paxos.Core.Replication;
using Paxos.KeyValue;
using Paxos.Node.Hosting;
using Paxos.Transport.Replication;
using Paxos.Transport.V1;
using Ballot = Paxos.Core.Ballot;

namespace Paxos.Cluster.Tests;

/// <summary>
/// Node identity on every peer message (CONTRACT.md section 5): a node of another cluster, a
/// process that is no member, and a member that sends in another's name or ballot are refused,
/// counted, and change nothing; the same messages in the right name do change the node, so the
/// test would see it if they got through.
/// </summary>
public sealed class PeerIdentityTests : IAsyncDisposable
{
    private const ulong ForgedRound = 1_000_000;

    private readonly EmbeddedCluster _cluster = new(3);
    private readonly List<EmbeddedCluster> _others = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var other in _others)
        {
            await other.DisposeAsync();
        }
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Forged_and_foreign_peers_sending_Prepare_and_Accept_with_higher_ballots_change_nothing()
    {
        var node0 = await LoneNodeWithDataAsync();
        string before = await _cluster.SettledFingerprintAsync(0);
        ulong next = node0.Log.Status.CommitIndex + 1;

        // A real node of another cluster: the same ids, node-0's url, its own cluster_token. Without
        // pre-vote it sends Prepare to node-0 as soon as its election timer runs out.
        var other = new EmbeddedCluster(3, clusterToken: "another cluster", urls: [_cluster.Config.Nodes[0].Url, null, null]);
        _others.Add(other);
        Assert.NotEqual(_cluster.Id, other.Id);
        await other.StartAsync(1, options => options with { PreVote = false });
        await EventuallyAsync(async () => await RefusedAsync(PeerRefusal.OtherCluster) >= 1, TimeSpan.FromSeconds(30));

        var asNode1 = new PeerHeaders(_cluster.Id, "node-1");
        var cases = new (string Name, PeerHeaders? Caller, DeliverRequest Delivery, string Reason)[]
        {
            ("another cluster", new PeerHeaders(other.Id, "node-1"), Forged(from: 1, node: 1, next), PeerRefusal.OtherCluster),
            ("no identity", null, Forged(from: 1, node: 1, next), PeerRefusal.Unidentified),
            ("not a member", new PeerHeaders(_cluster.Id, "node-9"), Forged(from: 1, node: 1, next), PeerRefusal.NotMember),
            ("itself", new PeerHeaders(_cluster.Id, "node-0"), Forged(from: 1, node: 1, next), PeerRefusal.NotMember),
            ("in another's name", asNode1, Forged(from: 2, node: 2, next), PeerRefusal.WrongSender),
            ("in another's ballot", asNode1, Forged(from: 1, node: 2, next), PeerRefusal.BallotNotSender),
            ("to another node", asNode1, Forged(from: 1, node: 1, next, to: 2), PeerRefusal.WrongRecipient),
        };
        foreach (var (name, caller, delivery, reason) in cases)
        {
            double counted = await RefusedAsync(reason);
            var status = await DeliverAsync(_cluster.Channel(0, caller), delivery);
            Assert.True(status == StatusCode.PermissionDenied, $"{name}: {status}");
            Assert.True(await RefusedAsync(reason) > counted, $"{name}: not counted as {reason}");
        }
        var singleDecree = new (string Name, PeerHeaders? Caller, int BallotNode, string Reason)[]
        {
            ("another cluster", new PeerHeaders(other.Id, "node-1"), 1, PeerRefusal.OtherCluster),
            ("in another's ballot", asNode1, 2, PeerRefusal.BallotNotSender),
        };
        foreach (var (name, caller, ballotNode, reason) in singleDecree)
        {
            var peer = new PaxosService.PaxosServiceClient(_cluster.Channel(0, caller));
            var ballot = new Paxos.Transport.V1.Ballot { Round = ForgedRound, NodeIndex = ballotNode };
            var prepare = await Assert.ThrowsAsync<RpcException>(() => peer.PrepareAsync(new PrepareRequest { InstanceId = "i", Ballot = ballot }).ResponseAsync);
            var accept = await Assert.ThrowsAsync<RpcException>(() => peer.AcceptAsync(new AcceptRequest { InstanceId = "i", Ballot = ballot, Value = ByteString.CopyFromUtf8("forged") }).ResponseAsync);
            Assert.True(prepare.StatusCode == StatusCode.PermissionDenied && accept.StatusCode == StatusCode.PermissionDenied, $"single-decree {name}: {prepare.Status} {accept.Status}");
        }

        Assert.Equal(before, await _cluster.FingerprintAsync(0));

        // The control: the same delivery in node-1's own name is obeyed, promise, log and data alike.
        Assert.Equal(StatusCode.OK, await DeliverAsync(_cluster.Channel(0, asNode1), Forged(from: 1, node: 1, next)));
        await EventuallyAsync(() => Task.FromResult(node0.Log.Status.AppliedIndex >= next), TimeSpan.FromSeconds(10));
        Assert.Equal(new Ballot(ForgedRound, 1), node0.Log.Status.Ballot);
        Assert.Contains(await _cluster.ContentsAsync(0), kv => kv.Key == "forged");
    }

    /// <summary>
    /// Nodes 0 and 1 write some keys, then node 1 stops: node 0 alone cannot win a pre-vote, so its
    /// promise, log and data stay as they are unless a message changes them.
    /// </summary>
    private async Task<PaxosNodeHost> LoneNodeWithDataAsync()
    {
        await _cluster.StartAsync(0);
        await _cluster.StartAsync(1);
        for (int i = 0; i < 5; i++)
        {
            await _cluster.PutAsync(0, $"key-{i}", ByteString.CopyFromUtf8($"value-{i}"), TimeSpan.FromSeconds(30));
        }
        await _cluster.StopAsync(1);
        return _cluster.Host(0);
    }

    /// <summary>
    /// A delivery from node <paramref name="from"/> in a ballot of node <paramref name="node"/> far
    /// above any real one: a Prepare, an Accept of a put of key "forged" in slot <paramref name="slot"/>,
    /// and a heartbeat that declares that slot chosen.
    /// </summary>
    private static DeliverRequest Forged(int from, int node, ulong slot, int to = 0)
    {
        var ballot = new Ballot(ForgedRound, node);
        byte[] put = KeyValueCommandCodec.Encode(new PutCommand("forged", "forged"u8.ToArray(), "", 0));
        var request = new DeliverRequest { FromNode = from, ToNode = to };
        request.Messages.Add(ReplicaWire.ToWire(new Prepare(from, to, ballot, slot)));
        request.Messages.Add(ReplicaWire.ToWire(new Accept(from, to, ballot, slot - 1, [new LogEntry(slot, ballot, new SlotValue([put], ballot))])));
        request.Messages.Add(ReplicaWire.ToWire(new Heartbeat(from, to, ballot, slot, 1)));
        return request;
    }

    private static async Task<StatusCode> DeliverAsync(GrpcChannel channel, DeliverRequest delivery)
    {
        using var call = new PaxosService.PaxosServiceClient(channel).Deliver(deadline: DateTime.UtcNow.AddSeconds(10));
        try
        {
            await call.RequestStream.WriteAsync(delivery);
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // The node ended the call before the whole delivery was written: its status says why.
        }
        try
        {
            await call.ResponseAsync;
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    private Task<double> RefusedAsync(string reason) => _cluster.MetricAsync(0, $"paxos_peer_messages_refused_total{{reason=\"{reason}\"}}");

    private static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {within}");
            await Task.Delay(50);
        }
    }
}
