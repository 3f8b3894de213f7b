using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Paxos.Cluster.Tests.Harness;
using Paxos.Transport.V1;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests;

/// <summary>Bad client input gets a clear error (or, for garbage, a closed connection); the node stays up and no data changes.</summary>
public sealed class BadKeyValueInputTests(ITestOutputHelper output) : IDisposable
{
    private readonly LocalCluster _cluster = new(output, size: 3);

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task The_largest_command_the_contract_accepts_is_replicated_through_a_follower()
    {
        await _cluster.StartAllAsync();
        int leader = await _cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
        var kv = _cluster.KeyValue((leader + 1) % _cluster.Size); // forwarded to the leader, answered back
        string key = new('k', 1024);
        var value = ByteString.CopyFrom(Enumerable.Repeat((byte)7, 1024 * 1024).ToArray());
        await kv.PutAsync(new PutRequest { Key = key, Value = value, ClientId = new string('c', 1024), RequestId = 1 }, deadline: DateTime.UtcNow.AddSeconds(20));

        // Two values of 1 MiB in the command, and the current 1 MiB value in its result.
        var swap = await kv.CompareAndSwapAsync(new CompareAndSwapRequest
        {
            Key = key,
            ExpectedValue = ByteString.CopyFrom(new byte[1024 * 1024]),
            NewValue = ByteString.CopyFrom(new byte[1024 * 1024]),
            ClientId = new string('c', 1024),
            RequestId = 2,
        }, deadline: DateTime.UtcNow.AddSeconds(20));

        Assert.False(swap.Succeeded);
        Assert.True(swap.Found);
        Assert.Equal(value, swap.CurrentValue);
    }

    [Fact]
    public async Task Invalid_requests_get_INVALID_ARGUMENT_and_change_nothing()
    {
        await _cluster.StartAllAsync();
        var kv = _cluster.KeyValue(1);
        var baseline = await kv.PutAsync(new PutRequest { Key = "k", Value = ByteString.CopyFromUtf8("v") });
        var cases = new (string Name, Func<Task> Call, string Expected)[]
        {
            ("empty key", () => kv.PutAsync(new PutRequest { Key = "", Value = ByteString.CopyFromUtf8("x") }).ResponseAsync, "empty"),
            ("1025-byte key", () => kv.PutAsync(new PutRequest { Key = new string('k', 1025), Value = ByteString.CopyFromUtf8("x") }).ResponseAsync, "1024"),
            ("1025-byte multi-byte key", () => kv.GetAsync(new GetRequest { Key = new string('é', 512) + "x" }).ResponseAsync, "1024"),
            ("value of 1 MiB + 1", () => kv.PutAsync(new PutRequest { Key = "k", Value = ByteString.CopyFrom(new byte[1024 * 1024 + 1]) }).ResponseAsync, "1048576"),
            ("CAS new value of 1 MiB + 1", () => kv.CompareAndSwapAsync(new CompareAndSwapRequest { Key = "k", ExpectAbsent = true, NewValue = ByteString.CopyFrom(new byte[1024 * 1024 + 1]) }).ResponseAsync, "1048576"),
            ("unknown consistency", () => kv.GetAsync(new GetRequest { Key = "k", Consistency = (ReadConsistency)7 }).ResponseAsync, "consistency 7"),
            ("empty key delete", () => kv.DeleteAsync(new DeleteRequest { Key = "" }).ResponseAsync, "empty"),
        };
        foreach (var (name, call, expected) in cases)
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.True(error.StatusCode == StatusCode.InvalidArgument, $"{name}: got {error.StatusCode} {error.Status.Detail}");
            Assert.True(error.Status.Detail.Contains(expected, StringComparison.Ordinal), $"{name}: '{error.Status.Detail}' lacks '{expected}'");
        }
        // A key that is not UTF-8, or a field cut short, fails while the request is parsed: INVALID_ARGUMENT with the reason.
        var notUtf8 = await Assert.ThrowsAsync<RpcException>(() => RawPutAsync([0x0a, 0x02, 0xc3, 0x28, 0x12, 0x01, 0x78]));
        Assert.Equal(StatusCode.InvalidArgument, notUtf8.StatusCode);
        Assert.Contains("String is invalid UTF-8", notUtf8.Status.Detail, StringComparison.Ordinal);
        var truncated = await Assert.ThrowsAsync<RpcException>(() => RawPutAsync([0x0a, 0x05, 0x6b]));
        Assert.Equal(StatusCode.InvalidArgument, truncated.StatusCode);
        Assert.Contains("PutRequest does not parse", truncated.Status.Detail, StringComparison.Ordinal);

        var after = await kv.GetAsync(new GetRequest { Key = "k" });
        Assert.Equal("v", after.Value.ToStringUtf8());
        Assert.Equal(baseline.Index, after.Index);
        Assert.True((await kv.PutAsync(new PutRequest { Key = "k2", Value = ByteString.CopyFromUtf8("still serving") })).Index > baseline.Index);
    }

    [Fact]
    public async Task A_value_of_exactly_1_MiB_and_a_1024_byte_key_are_accepted()
    {
        await _cluster.StartAllAsync();
        string key = new('k', 1024);
        var value = ByteString.CopyFrom(new byte[1024 * 1024]);
        await _cluster.KeyValue(0).PutAsync(new PutRequest { Key = key, Value = value }, deadline: DateTime.UtcNow.AddSeconds(20));
        Assert.Equal(value, (await _cluster.KeyValue(2).GetAsync(new GetRequest { Key = key })).Value);
    }

    [Fact]
    public async Task Garbage_bytes_on_the_port_close_the_connection_and_the_node_stays_up()
    {
        await _cluster.StartAllAsync();
        var random = new Random(42);
        for (int attempt = 0; attempt < 5; attempt++)
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", _cluster.Config.Nodes[0].Port);
            var stream = client.GetStream();
            byte[] garbage = new byte[4096];
            random.NextBytes(garbage);
            if (attempt == 0)
            {
                "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.CopyTo(garbage);
            }
            await stream.WriteAsync(garbage);
            var buffer = new byte[65536];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            int total = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                total += read; // an HTTP/2 GOAWAY or an error page, then the server closes
            }
            Assert.Equal(0, read);
        }
        Assert.False(_cluster.Process(0).HasExited);
        await _cluster.KeyValue(0).PutAsync(new PutRequest { Key = "alive", Value = ByteString.CopyFromUtf8("yes") });
        Assert.Equal("yes", (await _cluster.KeyValue(0).GetAsync(new GetRequest { Key = "alive" })).Value.ToStringUtf8());
    }

    /// <summary>Sends a hand-made PutRequest, bypassing the client's own UTF-8 encoding of strings.</summary>
    private async Task RawPutAsync(byte[] message)
    {
        var method = new Method<byte[], byte[]>(MethodType.Unary, "paxos.v1.KeyValueService", "Put",
            Marshallers.Create(bytes => bytes, bytes => bytes), Marshallers.Create(bytes => bytes, bytes => bytes));
        using var channel = Paxos.Node.Hosting.PeerChannels.Create(_cluster.Config.Nodes[1].Url);
        await channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10)), message);
    }
}
