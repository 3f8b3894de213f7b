using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Paxos.Node.Security;
using Paxos.Transport.V1;

namespace Paxos.Cluster.Tests.Security;

/// <summary>
/// CONTRACT.md section 5 against a node with <c>tls</c> and <c>auth</c>: who gets in (a certificate
/// of the cluster's CA, a token), who does not, a peer that claims to be another node, and
/// certificates replaced while it runs.
/// </summary>
public sealed class TlsTests(TlsNode node) : IClassFixture<TlsNode>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_client_call_without_a_known_token_is_unauthenticated_and_counted()
    {
        var client = node.Pair(DevelopmentCertificates.ClientName);
        double before = await node.MetricAsync("paxos_client_calls_unauthenticated_total");

        using (var none = node.Channel(client))
        {
            Assert.Equal(StatusCode.Unauthenticated, await StatusOfAsync(() => new KeyValueService.KeyValueServiceClient(none).GetLeaderAsync(new GetLeaderRequest(), deadline: Soon()).ResponseAsync));
            Assert.Equal(StatusCode.Unauthenticated, await StatusOfAsync(() => new ConsensusService.ConsensusServiceClient(none)
                .GetLearnedAsync(new GetLearnedRequest { InstanceId = "i" }, deadline: Soon()).ResponseAsync));
            Assert.Equal(StatusCode.Unauthenticated, await StatusOfAsync(() => new PaxosService.PaxosServiceClient(none).GetStatusAsync(new GetStatusRequest(), deadline: Soon()).ResponseAsync));
        }
        using (var wrong = node.Channel(client, token: TlsNode.Token + "x"))
        {
            Assert.Equal(StatusCode.Unauthenticated, await StatusOfAsync(() => new KeyValueService.KeyValueServiceClient(wrong)
                .GetAsync(new GetRequest { Key = "k", Consistency = ReadConsistency.Serializable }, deadline: Soon()).ResponseAsync));
        }
        Assert.Equal(before + 4, await node.MetricAsync("paxos_client_calls_unauthenticated_total"));

        using var right = node.Channel(client, token: TlsNode.Token);
        var read = await new KeyValueService.KeyValueServiceClient(right).GetAsync(new GetRequest { Key = "k", Consistency = ReadConsistency.Serializable }, deadline: Soon());
        Assert.False(read.Found);
        Assert.Equal("node-0", (await new PaxosService.PaxosServiceClient(right).GetStatusAsync(new GetStatusRequest(), deadline: Soon())).NodeId);
    }

    [Fact]
    public async Task A_client_certificate_of_another_CA_or_none_is_refused_in_the_handshake()
    {
        using var stranger = DevelopmentCertificates.Issue(node.OtherCa, DevelopmentCertificates.ClientName, [], clientOnly: true, DateTimeOffset.UtcNow);
        using var impostor = DevelopmentCertificates.Issue(node.OtherCa, "node-1", ["127.0.0.1"], clientOnly: false, DateTimeOffset.UtcNow);
        foreach (var certificate in new[] { stranger, impostor, null })
        {
            using var channel = node.Channel(certificate, token: TlsNode.Token);
            var refused = await Assert.ThrowsAsync<RpcException>(() => new KeyValueService.KeyValueServiceClient(channel).GetLeaderAsync(new GetLeaderRequest(), deadline: Soon()).ResponseAsync);
            Assert.True(refused.StatusCode is StatusCode.Unavailable or StatusCode.Internal, $"{certificate?.Subject ?? "no certificate"}: {refused.Status}");
        }

        using var cluster = node.Channel(node.Pair(DevelopmentCertificates.ClientName), token: TlsNode.Token);
        Assert.NotNull(await new KeyValueService.KeyValueServiceClient(cluster).GetLeaderAsync(new GetLeaderRequest(), deadline: Soon()));
    }

    [Fact]
    public async Task A_client_that_trusts_another_CA_refuses_the_node()
    {
        using var channel = node.Channel(node.Pair(DevelopmentCertificates.ClientName), ca: node.OtherCa, token: TlsNode.Token);
        var refused = await Assert.ThrowsAsync<RpcException>(() => new KeyValueService.KeyValueServiceClient(channel).GetLeaderAsync(new GetLeaderRequest(), deadline: Soon()).ResponseAsync);
        Assert.True(Paxos.Transport.Security.ClusterCertificates.IsHandshakeFailure(refused), refused.ToString());
    }

    [Fact]
    public async Task A_peer_whose_certificate_names_another_node_is_refused_counted_and_changes_nothing()
    {
        var higher = new Ballot { Round = 1000, NodeIndex = 1 };
        var before = node.Host.Log.Status;
        double refusedBefore = await node.MetricAsync("paxos_peer_calls_refused_total");
        Assert.True(before.Ballot.Round < higher.Round);

        // node-2's certificate (and a client's) claiming to be node-1, with the peer headers of this
        // cluster (so the peer gate admits the call and only the certificate can refuse it): a
        // delivery, and single-decree calls.
        foreach (string who in new[] { "node-2", DevelopmentCertificates.ClientName })
        {
            using var channel = node.Channel(node.Pair(who), token: TlsNode.Token, asPeer: "node-1");
            var peer = new PaxosService.PaxosServiceClient(channel);
            Assert.Equal(StatusCode.PermissionDenied, await StatusOfAsync(() => DeliverPrepareAsync(peer, from: 1, higher)));
            Assert.Equal(StatusCode.PermissionDenied, await StatusOfAsync(() => peer.PrepareAsync(new PrepareRequest { InstanceId = "i", Ballot = higher }, deadline: Soon()).ResponseAsync));
            Assert.Equal(StatusCode.PermissionDenied, await StatusOfAsync(() => peer.AcceptAsync(new AcceptRequest { InstanceId = "i", Ballot = higher }, deadline: Soon()).ResponseAsync));
        }
        // The client's certificate names no node at all: not even a call that claims none passes.
        using (var client = node.Channel(node.Pair(DevelopmentCertificates.ClientName), asPeer: "node-1"))
        {
            Assert.Equal(StatusCode.PermissionDenied, await StatusOfAsync(() => new PaxosService.PaxosServiceClient(client)
                .LearnAsync(new LearnRequest { InstanceId = "i" }, deadline: Soon()).ResponseAsync));
        }

        Assert.Equal(refusedBefore + 7, await node.MetricAsync("paxos_peer_calls_refused_total"));
        await Task.Delay(200); // what was delivered, had anything been, reaches the replica in well under this
        var after = node.Host.Log.Status;
        Assert.Equal(before.Ballot, after.Ballot);
        Assert.Equal(before.CommitIndex, after.CommitIndex);

        // From node-1's own certificate: a lower single-decree ballot is still promised (the refused
        // Prepare of round 1000 promised nothing), and the refused delivery's Prepare is taken.
        using var genuine = node.Channel(node.Pair("node-1"), asPeer: "node-1");
        var node1 = new PaxosService.PaxosServiceClient(genuine);
        Assert.True((await node1.PrepareAsync(new PrepareRequest { InstanceId = "i", Ballot = new Ballot { Round = 5, NodeIndex = 1 } }, deadline: Soon())).Promised);
        await DeliverPrepareAsync(node1, from: 1, higher);
        var promised = DateTime.UtcNow + Deadline;
        while (node.Host.Log.Status.Ballot.Round != higher.Round)
        {
            Assert.True(DateTime.UtcNow < promised, $"node-1's Prepare was not promised: ballot {node.Host.Log.Status.Ballot}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Replaced_certificate_files_are_what_new_connections_get()
    {
        var client = node.Pair(DevelopmentCertificates.ClientName);
        string first = await PresentedAsync(client);
        Assert.Equal(node.Pair("node-0").Thumbprint, first);

        using var ca = X509Certificate2.CreateFromPemFile(node.Cluster.Tls!.Ca, Path.Combine(node.Certificates, "ca.key"));
        using var renewed = DevelopmentCertificates.Issue(ca, "node-0", ["127.0.0.1"], clientOnly: false, DateTimeOffset.UtcNow);
        DevelopmentCertificates.WritePair(renewed, node.Cluster.Tls.CertFor("node-0"), node.Cluster.Tls.KeyFor("node-0"));

        var deadline = DateTime.UtcNow + Deadline;
        string presented;
        while ((presented = await PresentedAsync(client)) != renewed.Thumbprint)
        {
            Assert.True(presented == first && DateTime.UtcNow < deadline, $"the node presents {presented}, neither the old {first} nor the new {renewed.Thumbprint}");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task A_CA_added_to_the_ca_file_is_trusted_by_new_connections()
    {
        using var next = DevelopmentCertificates.CreateCa("the next CA", DateTimeOffset.UtcNow);
        using var client = DevelopmentCertificates.Issue(next, DevelopmentCertificates.ClientName, [], clientOnly: true, DateTimeOffset.UtcNow);
        await Assert.ThrowsAsync<RpcException>(() => GetLeaderAsync(client));

        // A rotation of the CA itself: the file holds the old and the new CA for a while.
        File.WriteAllText(node.Cluster.Tls!.Ca, File.ReadAllText(node.Cluster.Tls.Ca) + next.ExportCertificatePem() + "\n");

        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            try
            {
                await GetLeaderAsync(client);
                break;
            }
            catch (RpcException e) when (DateTime.UtcNow < deadline)
            {
                Assert.True(e.StatusCode is StatusCode.Unavailable or StatusCode.Internal, e.ToString());
                await Task.Delay(200);
            }
        }
        await GetLeaderAsync(node.Pair(DevelopmentCertificates.ClientName)); // the old CA's still are
    }

    private async Task GetLeaderAsync(X509Certificate2 client)
    {
        using var channel = node.Channel(client, token: TlsNode.Token);
        await new KeyValueService.KeyValueServiceClient(channel).GetLeaderAsync(new GetLeaderRequest(), deadline: Soon());
    }

    /// <summary>The thumbprint of the certificate the node presents to a new connection.</summary>
    private async Task<string> PresentedAsync(X509Certificate2 client)
    {
        string? seen = null;
        using var channel = node.Channel(client, token: TlsNode.Token, seen: server => seen = server.Thumbprint);
        await new KeyValueService.KeyValueServiceClient(channel).GetLeaderAsync(new GetLeaderRequest(), deadline: Soon());
        return seen ?? throw new InvalidOperationException("no certificate seen");
    }

    private static async Task DeliverPrepareAsync(PaxosService.PaxosServiceClient peer, int from, Ballot ballot)
    {
        using var call = peer.Deliver(deadline: Soon());
        await call.RequestStream.WriteAsync(new DeliverRequest
        {
            FromNode = from,
            ToNode = 0,
            Messages = { new ReplicaMessage { Prepare = new PrepareMessage { Ballot = ballot, FromSlot = 1 } } },
        });
        await call.RequestStream.CompleteAsync();
        await call;
    }

    private static async Task<StatusCode> StatusOfAsync(Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        return e.StatusCode;
    }

    private static DateTime Soon() => DateTime.UtcNow + Deadline;
}
