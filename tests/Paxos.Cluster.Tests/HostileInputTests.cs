using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Paxos.Cluster.Tests.Harness;
using Paxos.Core.Replication;
using Paxos.Fuzz.Tests;
using Paxos.KeyValue;
using Paxos.Node.Hosting;
using Paxos.Transport.Replication;
using Paxos.Transport.V1;
using Xunit.Abstractions;
using Ballot = Paxos.Core.Ballot;
using ReplicaMessage = Paxos.Core.Replication.ReplicaMessage;

namespace Paxos.Cluster.Tests;

/// <summary>
/// A live node is sent 1,000 random mutations (of their bytes and of their fields) of valid client
/// requests, and 1,000 of valid peer messages from processes that are not members of its cluster.
/// Only the client writes that were valid change its data (checked against a model of them); the
/// peer messages change nothing (promise, log, data: every byte of its data directory); it answers
/// throughout and serves writes afterwards. <c>PAXOS_HOSTILE_SEED</c> replays a run.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output) : IAsyncDisposable
{
    private const int Mutations = 1_000;
    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(bytes => bytes, bytes => bytes);

    private readonly EmbeddedCluster _cluster = new(3);

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    /// <summary>A fresh seed each run, and 1366390403, which once stalled the cluster after a member's forgeries.</summary>
    [Theory]
    [InlineData(null)]
    [InlineData(1366390403)]
    public async Task Random_mutations_of_client_and_peer_messages_change_no_data_and_the_node_stays_up(int? regression)
    {
        int seed = regression ?? (int.TryParse(Environment.GetEnvironmentVariable("PAXOS_HOSTILE_SEED"), out int fixedSeed) ? fixedSeed : Random.Shared.Next());
        output.WriteLine($"PAXOS_HOSTILE_SEED={seed}");
        var random = new Random(seed);
        await _cluster.StartAsync(0);
        await _cluster.StartAsync(1);
        await _cluster.PutAsync(0, "large", ByteString.CopyFrom(new byte[1024 * 1024]), TimeSpan.FromSeconds(30));

        var model = new ClientModel();
        model.Put("large", ByteString.CopyFrom(new byte[1024 * 1024]));
        await SendClientMutationsAsync(random, model);
        // Node 0 may follow: a linearizable read first makes it apply every write acknowledged so far,
        // which its serializable listing then shows (a write the leader acknowledged was missing once).
        await _cluster.KeyValue(0).GetAsync(new GetRequest { Key = "large" }, deadline: DateTime.UtcNow.AddSeconds(30));
        var contents = await _cluster.ContentsAsync(0);
        model.AssertHolds(contents);
        output.WriteLine($"{model.Applied} of {Mutations} mutated client requests were valid writes; {contents.Count} keys");

        await _cluster.StopAsync(1); // alone, node 0 cannot win a pre-vote: nothing but a message can change it now
        string before = await _cluster.SettledFingerprintAsync(0);
        var otherCluster = new EmbeddedCluster(3, clusterToken: "another");
        await otherCluster.DisposeAsync();
        await SendPeerMutationsAsync(random, Mutations, fromMembers: false,
        [
            _cluster.Channel(0, new PeerHeaders(otherCluster.Id, "node-1")),
            _cluster.Channel(0),
            _cluster.Channel(0, new PeerHeaders(_cluster.Id, "node-9")),
            _cluster.Channel(0, new PeerHeaders(_cluster.Id, "node-0")),
        ]);
        Assert.Equal(before, await _cluster.FingerprintAsync(0));

        // From a member, the same mutations may change the node (it trusts its members), but each
        // is answered or refused with a reason, never with an error of the node's own.
        await SendPeerMutationsAsync(random, Mutations / 4, fromMembers: true, [_cluster.Channel(0, new PeerHeaders(_cluster.Id, "node-1"))]);
        // The node answers, and once the real node-1 is back the cluster makes progress: no forged
        // ballot can be beyond what a node can outbid (BallotBound).
        await _cluster.StartAsync(1);
        Assert.NotEmpty(await _cluster.ContentsAsync(0)); // it answers a read of its whole store
        await _cluster.PutAsync(0, "after", ByteString.CopyFromUtf8("forgeries"), TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// A member's Prepare in the highest round the wire allows (2^63 - 1) was promised, and then no
    /// node could propose above it (the next round is beyond the limit): writes failed with "no
    /// quorum" for good (PAXOS_HOSTILE_SEED=1366390403 once). A round that far above this node's
    /// own is refused, counted, and changes nothing; the cluster goes on. So is a single-decree Prepare.
    /// </summary>
    [Fact]
    public async Task A_members_ballot_in_the_highest_round_is_refused_and_the_cluster_goes_on()
    {
        await _cluster.StartAsync(0);
        await _cluster.StartAsync(1);
        await _cluster.PutAsync(0, "before", ByteString.CopyFromUtf8("v"), TimeSpan.FromSeconds(30));
        await _cluster.StopAsync(1);

        var delivery = new DeliverRequest { FromNode = 1, ToNode = 0 };
        delivery.Messages.Add(ReplicaWire.ToWire(new Prepare(1, 0, new Ballot(Paxos.Transport.WireLimits.MaxBallotRound, 1), 1)));
        var invoker = _cluster.Channel(0, new PeerHeaders(_cluster.Id, "node-1")).CreateCallInvoker();
        var status = await CallAsync(invoker, new Method<byte[], byte[]>(MethodType.ClientStreaming, "paxos.v1.PaxosService", "Deliver", Raw, Raw), delivery.ToByteArray());

        Assert.True(status.StatusCode == StatusCode.InvalidArgument, $"{status}");
        // The same for a single-decree instance's acceptor, which would otherwise never decide again.
        var prepare = new PrepareRequest { InstanceId = "i", Ballot = new Paxos.Transport.V1.Ballot { Round = Paxos.Transport.WireLimits.MaxBallotRound, NodeIndex = 1 } };
        status = await CallAsync(invoker, new Method<byte[], byte[]>(MethodType.Unary, "paxos.v1.PaxosService", "Prepare", Raw, Raw), prepare.ToByteArray());
        Assert.True(status.StatusCode == StatusCode.InvalidArgument, $"{status}");
        Assert.Equal(2, await _cluster.MetricAsync(0, $"paxos_peer_messages_refused_total{{reason=\"{PeerRefusal.BallotTooFarAhead}\"}}"));
        Assert.True(_cluster.Host(0).Log.Status.Ballot.Round < 1_000, $"node 0 promised {_cluster.Host(0).Log.Status.Ballot}");
        await _cluster.StartAsync(1);
        await _cluster.PutAsync(0, "after", ByteString.CopyFromUtf8("v"), TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Found by this test: a write whose (client_id, request_id) was first used for another kind of
    /// write gets that write's result from the exactly-once table, and the node failed the call
    /// with UNKNOWN ("Exception was thrown by handler") instead of saying what was wrong.
    /// </summary>
    [Fact]
    public async Task A_request_id_reused_for_another_kind_of_write_is_refused_and_changes_nothing()
    {
        await using var single = new EmbeddedCluster(1);
        await single.StartAsync(0);
        await single.PutAsync(0, "k", ByteString.CopyFromUtf8("v"), TimeSpan.FromSeconds(30));
        var client = single.KeyValue(0);
        await client.DeleteAsync(new DeleteRequest { Key = "gone", ClientId = "c", RequestId = 1 }, deadline: DateTime.UtcNow.AddSeconds(10));

        var error = await Assert.ThrowsAsync<RpcException>(() => client.CompareAndSwapAsync(
            new CompareAndSwapRequest { Key = "k", ExpectedValue = ByteString.CopyFromUtf8("v"), NewValue = ByteString.CopyFromUtf8("w"), ClientId = "c", RequestId = 1 },
            deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync);

        Assert.True(error.StatusCode == StatusCode.FailedPrecondition, $"{error.Status}");
        Assert.Contains("was first used for another kind of write", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("v", (await client.GetAsync(new GetRequest { Key = "k" }, deadline: DateTime.UtcNow.AddSeconds(10))).Value.ToStringUtf8());
    }

    /// <summary>Found by this test: a member's snapshot with metadata of another size, or of a slot beyond any log, failed with UNKNOWN.</summary>
    [Fact]
    public async Task A_members_snapshot_with_bad_metadata_or_slot_is_refused_as_malformed()
    {
        await _cluster.StartAsync(0);
        var invoker = _cluster.Channel(0, new PeerHeaders(_cluster.Id, "node-1")).CreateCallInvoker();
        var method = new Method<byte[], byte[]>(MethodType.ClientStreaming, "paxos.v1.PaxosService", "InstallSnapshot", Raw, Raw);
        foreach (var chunk in new[]
        {
            new SnapshotChunk { FromNode = 1, Index = 9, Metadata = ByteString.CopyFrom(new byte[436]), Last = true },
            new SnapshotChunk { FromNode = 1, Index = ulong.MaxValue, Metadata = ByteString.CopyFrom(new byte[8]), Last = true },
        })
        {
            var status = await CallAsync(invoker, method, chunk.ToByteArray());
            Assert.True(status.StatusCode == StatusCode.InvalidArgument, $"{chunk}: {status}");
        }
        Assert.Equal(0ul, _cluster.Host(0).Log.Status.AppliedIndex);
    }

    private static readonly IMessage[] ClientSeeds =
    [
        new PutRequest { Key = "k1", Value = ByteString.CopyFromUtf8("v1") },
        new PutRequest { Key = "k2", Value = ByteString.CopyFrom(new byte[2000]), ClientId = "writer", RequestId = 5 },
        new DeleteRequest { Key = "k1" },
        new CompareAndSwapRequest { Key = "k2", ExpectAbsent = true, NewValue = ByteString.CopyFromUtf8("new") },
        new CompareAndSwapRequest { Key = "k1", ExpectedValue = ByteString.CopyFromUtf8("v1"), NewValue = ByteString.CopyFromUtf8("v2"), ClientId = "cas", RequestId = 1 },
        new GetRequest { Key = "k1" },
        new ListRequest { Prefix = "k", Limit = 10 },
        new TxnRequest
        {
            Compare = { new Compare { Key = "k1", Target = Compare.Types.Target.Exists, Op = Compare.Types.Op.Equal, Exists = true } },
            Success = { new TxnOp { Put = new PutRequest { Key = "t1", Value = ByteString.CopyFromUtf8("s") } }, new TxnOp { Delete = new DeleteRequest { Key = "k2" } } },
            Failure = { new TxnOp { Put = new PutRequest { Key = "t2", Value = ByteString.CopyFromUtf8("f") } }, new TxnOp { Get = new GetRequest { Key = "k1" } } },
            ClientId = "txn",
            RequestId = 2,
        },
    ];

    private async Task SendClientMutationsAsync(Random random, ClientModel model)
    {
        var invoker = _cluster.Channel(0).CreateCallInvoker();
        for (int i = 0; i < Mutations; i++)
        {
            var seed = ClientSeeds[random.Next(ClientSeeds.Length)];
            byte[] bytes = Mutate(seed, ClientSeeds, random);
            // The seed's own method, and one time in ten another's.
            string method = (random.Next(10) > 0 ? seed : ClientSeeds[random.Next(ClientSeeds.Length)]).Descriptor.Name[..^"Request".Length];
            byte[]? response = null;
            StatusCode status = StatusCode.OK;
            string detail = "";
            try
            {
                response = await invoker.AsyncUnaryCall(new Method<byte[], byte[]>(MethodType.Unary, "paxos.v1.KeyValueService", method, Raw, Raw), null,
                    new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10)), bytes);
            }
            catch (RpcException e)
            {
                (status, detail) = (e.StatusCode, e.Status.Detail);
            }
            Assert.True(status is not (StatusCode.Internal or StatusCode.Unknown), $"mutation {i} to {method} got {status}: {detail}; request {Convert.ToHexString(bytes)}");
            model.Observe(method, bytes, status, response);
        }
    }

    /// <summary>Byte mutations of <paramref name="seed"/> (spliced with one of <paramref name="others"/>) or field mutations, alike often.</summary>
    private static byte[] Mutate(IMessage seed, IMessage[] others, Random random) => random.Next(2) == 0
        ? Fuzz.Tests.Mutations.Mutate(seed.ToByteArray(), others[random.Next(others.Length)].ToByteArray(), random.Next(1, 5), random)
        : FieldMutations.Mutate(seed, random.Next(1, 4), random);

    // ---- the peer side ----

    private static readonly Ballot Forged = new(1_000_000, 1);

    /// <summary>
    /// Sends <paramref name="count"/> mutations of valid peer messages through <paramref name="senders"/>.
    /// To strangers, everything: Prepare, Accept, a heartbeat and a catch-up declaring a slot chosen,
    /// a take-over, a forwarded write, a snapshot, single-decree Prepare, Accept and Decide. From a
    /// member, only what cannot claim a value chosen: the node trusts its members, and one that
    /// reports two values chosen for a slot stops it on purpose (it cannot tell which is true).
    /// </summary>
    private async Task SendPeerMutationsAsync(Random random, int count, bool fromMembers, GrpcChannel[] senders)
    {
        ulong next = _cluster.Host(0).Log.Status.CommitIndex + 1;
        byte[] put = KeyValueCommandCodec.Encode(new PutCommand("forged", [1]));
        var entry = new LogEntry(next, Forged, new SlotValue([put], Forged));
        ReplicaMessage[] messages = fromMembers
            ? [new Prepare(1, 0, Forged, next), new PreVote(1, 0, Forged), new CatchUpRequest(1, 0, 1), new ReadIndexRequest(1, 0, 9)]
            : [new Prepare(1, 0, Forged, next), new Accept(1, 0, Forged, next - 1, [entry]), new Heartbeat(1, 0, Forged, next, 1),
               new CatchUp(1, 0, next, [entry]), new TakeOver(1, 0, Forged, next), new ForwardProposal(1, 0, 1, put)];
        var delivery = new DeliverRequest { FromNode = 1, ToNode = 0 };
        delivery.Messages.AddRange(messages.Select(ReplicaWire.ToWire));
        var wireBallot = new Paxos.Transport.V1.Ballot { Round = Forged.Round, NodeIndex = 1 };
        var seeds = new List<(string Method, MethodType Type, IMessage Seed)>
        {
            ("Deliver", MethodType.ClientStreaming, delivery),
            ("InstallSnapshot", MethodType.ClientStreaming, new SnapshotChunk { FromNode = 1, Index = next + 100, Metadata = ByteString.CopyFrom(new byte[8]), Data = ByteString.CopyFrom(new byte[100]), Last = true }),
            ("Prepare", MethodType.Unary, new PrepareRequest { InstanceId = "i", Ballot = wireBallot }),
        };
        if (!fromMembers)
        {
            seeds.Add(("Accept", MethodType.Unary, new AcceptRequest { InstanceId = "i", Ballot = wireBallot, Value = ByteString.CopyFromUtf8("forged") }));
            seeds.Add(("Decide", MethodType.Unary, new DecideRequest { InstanceId = "i", Value = ByteString.CopyFromUtf8("forged") }));
        }
        for (int i = 0; i < count; i++)
        {
            var (name, type, seed) = seeds[random.Next(seeds.Count)];
            byte[] bytes = Mutate(seed, [.. seeds.Select(s => s.Seed)], random);
            var invoker = senders[random.Next(senders.Length)].CreateCallInvoker();
            var method = new Method<byte[], byte[]>(type, "paxos.v1.PaxosService", name, Raw, Raw);
            var status = await CallAsync(invoker, method, bytes);
            // Refused by the gate, or (a unary request that does not parse) by the generated marshaller before it.
            Assert.True(status.StatusCode is StatusCode.PermissionDenied or StatusCode.InvalidArgument
                || (status.StatusCode == StatusCode.Unknown && status.Detail.Contains(nameof(InvalidProtocolBufferException), StringComparison.Ordinal))
                || (fromMembers && status.StatusCode == StatusCode.OK),
                $"peer mutation {i} to {name}: {status}; request {Convert.ToHexString(bytes)}");
        }
    }

    /// <summary>A call of <paramref name="method"/> with one request message, and the status it ended with.</summary>
    private static async Task<Status> CallAsync(CallInvoker invoker, Method<byte[], byte[]> method, byte[] request)
    {
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10));
        try
        {
            if (method.Type == MethodType.Unary)
            {
                await invoker.AsyncUnaryCall(method, null, options, request);
                return Status.DefaultSuccess;
            }
            using var call = invoker.AsyncClientStreamingCall(method, null, options);
            try
            {
                await call.RequestStream.WriteAsync(request);
                await call.RequestStream.CompleteAsync();
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException)
            {
                // refused before the message was read: the response says why
            }
            await call.ResponseAsync;
            return Status.DefaultSuccess;
        }
        catch (RpcException e)
        {
            return e.Status;
        }
    }
}
