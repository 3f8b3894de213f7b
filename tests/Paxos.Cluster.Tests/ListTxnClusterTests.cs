using Google.Protobuf;
using Grpc.Core;
using Paxos.Cluster.Tests.Harness;
using Paxos.Transport.V1;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests;

/// <summary>List and Txn (CONTRACT.md section 1b) against 3 real node processes, through the API and the CLI.</summary>
public sealed class ListTxnClusterTests(ITestOutputHelper output) : IDisposable
{
    private readonly LocalCluster _cluster = new(output, size: 3);

    public void Dispose() => _cluster.Dispose();

    private static DateTime Deadline => DateTime.UtcNow.AddSeconds(20);

    private string Endpoints => string.Join(",", _cluster.Config.Nodes.Select(n => n.Url.GetLeftPart(UriPartial.Authority)));

    [Fact]
    public async Task List_pages_through_a_prefix_in_order_through_every_node()
    {
        await _cluster.StartAllAsync();
        var kv = _cluster.KeyValue(0);
        ulong last = 0;
        foreach (string key in Enumerable.Range(0, 25).Select(i => $"list/{i:D2}").Reverse().Append("lisu").Append("a"))
        {
            last = (await kv.PutAsync(new PutRequest { Key = key, Value = ByteString.CopyFromUtf8("v" + key) }, deadline: Deadline)).Index;
        }

        for (int node = 0; node < _cluster.Size; node++)
        {
            var keys = new List<string>();
            var request = new ListRequest { Prefix = "list/", Limit = 10 };
            var pages = new List<ListResponse>();
            do
            {
                var page = await _cluster.KeyValue(node).ListAsync(request, deadline: Deadline);
                pages.Add(page);
                Assert.True(page.ReadIndex >= last, $"node {node} read at {page.ReadIndex}, before the last put at {last}");
                Assert.All(page.Items, item => Assert.Equal("v" + item.Key, item.Value.ToStringUtf8()));
                keys.AddRange(page.Items.Select(item => item.Key));
                request.StartAfter = keys[^1];
            }
            while (pages[^1].More);

            Assert.Equal([10, 10, 5], pages.Select(p => p.Items.Count));
            Assert.Equal(Enumerable.Range(0, 25).Select(i => $"list/{i:D2}"), keys);
        }
        var all = await _cluster.KeyValue(1).ListAsync(new ListRequest { Consistency = ReadConsistency.Serializable }, deadline: Deadline);
        Assert.Equal(27, all.Items.Count);
        Assert.False(all.More);
    }

    [Fact]
    public async Task Sixteen_clients_incrementing_a_counter_by_read_then_txn_count_every_success_exactly_once()
    {
        await _cluster.StartAllAsync();
        const int Clients = 16;
        const int AttemptsEach = 12;

        int[] successes = await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            var kv = _cluster.KeyValue(client % _cluster.Size);
            int succeeded = 0;
            for (ulong attempt = 1; attempt <= AttemptsEach; attempt++)
            {
                var read = await kv.GetAsync(new GetRequest { Key = "counter" }, deadline: Deadline);
                long value = read.Found ? long.Parse(read.Value.ToStringUtf8(), System.Globalization.CultureInfo.InvariantCulture) : 0;
                var txn = new TxnRequest { ClientId = $"incrementer-{client}", RequestId = attempt };
                txn.Compare.Add(new Compare { Key = "counter", Target = Compare.Types.Target.Index, Op = Compare.Types.Op.Equal, Index = read.Index });
                txn.Success.Add(new TxnOp { Put = new PutRequest { Key = "counter", Value = ByteString.CopyFromUtf8((value + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)) } });
                txn.Failure.Add(new TxnOp { Get = new GetRequest { Key = "counter" } });
                var reply = await RetryAsync(() => kv.TxnAsync(txn, deadline: Deadline).ResponseAsync);
                var result = Assert.Single(reply.Results);
                if (reply.Succeeded)
                {
                    Assert.Equal(reply.Index, result.Put.Index);
                    succeeded++;
                }
                else
                {
                    Assert.True(result.Get.Index > read.Index);
                }
            }
            return succeeded;
        })));

        var final = await _cluster.KeyValue(2).GetAsync(new GetRequest { Key = "counter" }, deadline: Deadline);
        output.WriteLine($"successes per client: {string.Join(' ', successes)}");
        Assert.Equal(successes.Sum().ToString(System.Globalization.CultureInfo.InvariantCulture), final.Value.ToStringUtf8());
        Assert.True(successes.Sum() >= AttemptsEach, "every round of attempts has at least one winner");
    }

    [Fact]
    public async Task Bad_transactions_and_lists_get_INVALID_ARGUMENT_and_change_nothing()
    {
        await _cluster.StartAllAsync();
        var kv = _cluster.KeyValue(1);
        await kv.PutAsync(new PutRequest { Key = "k", Value = ByteString.CopyFromUtf8("v") }, deadline: Deadline);
        var mebibyte = ByteString.CopyFrom(new byte[1024 * 1024]);
        TxnRequest Txn(params TxnOp[] success)
        {
            var request = new TxnRequest();
            request.Success.AddRange(success);
            return request;
        }
        var tooManyCompares = new TxnRequest();
        tooManyCompares.Compare.AddRange(Enumerable.Range(0, 129).Select(i => new Compare { Key = "k", Target = Compare.Types.Target.Exists, Exists = true }));
        var cases = new (string Name, Func<Task> Call, string Expected)[]
        {
            ("a key put and deleted", () => kv.TxnAsync(Txn(new TxnOp { Put = new PutRequest { Key = "k", Value = ByteString.Empty } }, new TxnOp { Delete = new DeleteRequest { Key = "k" } })).ResponseAsync,
                "key 'k' is the target of more than one put or delete"),
            ("an empty operation", () => kv.TxnAsync(Txn(new TxnOp())).ResponseAsync, "success operation 0 sets none of put, delete and get"),
            ("129 compares", () => kv.TxnAsync(tooManyCompares).ResponseAsync, "129 compares; the limit is 128"),
            ("3 MiB of puts", () => kv.TxnAsync(Txn(
                new TxnOp { Put = new PutRequest { Key = "a", Value = mebibyte } },
                new TxnOp { Put = new PutRequest { Key = "b", Value = mebibyte } },
                new TxnOp { Put = new PutRequest { Key = "k", Value = mebibyte } })).ResponseAsync, "the largest command a node accepts"),
            ("an unknown target", () => kv.TxnAsync(new TxnRequest { Compare = { new Compare { Key = "k", Target = (Compare.Types.Target)5 } } }).ResponseAsync, "target 5"),
            ("a 1025-byte prefix", () => kv.ListAsync(new ListRequest { Prefix = new string('p', 1025) }).ResponseAsync, "prefix is 1025 UTF-8 bytes"),
            ("an unknown consistency", () => kv.ListAsync(new ListRequest { Consistency = (ReadConsistency)7 }).ResponseAsync, "consistency 7"),
        };
        foreach (var (name, call, expected) in cases)
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.True(error.StatusCode == StatusCode.InvalidArgument, $"{name}: {error.Status}");
            Assert.Contains(expected, error.Status.Detail, StringComparison.Ordinal);
        }

        var list = await kv.ListAsync(new ListRequest(), deadline: Deadline);
        Assert.Equal("k", Assert.Single(list.Items).Key);
        Assert.Equal("v", list.Items[0].Value.ToStringUtf8());
    }

    [Fact]
    public async Task A_transaction_whose_gets_would_return_too_much_is_refused_when_applied_and_changes_nothing()
    {
        await _cluster.StartAllAsync();
        var kv = _cluster.KeyValue(2);
        var mebibyte = ByteString.CopyFrom(new byte[1024 * 1024]);
        await kv.PutAsync(new PutRequest { Key = "big", Value = mebibyte }, deadline: Deadline);
        var txn = new TxnRequest { ClientId = "reader", RequestId = 1 };
        txn.Success.Add(new TxnOp { Put = new PutRequest { Key = "marker", Value = ByteString.CopyFromUtf8("x") } });
        txn.Success.Add(new TxnOp { Get = new GetRequest { Key = "big" } });
        txn.Success.Add(new TxnOp { Get = new GetRequest { Key = "big" } });
        txn.Success.Add(new TxnOp { Get = new GetRequest { Key = "big" } });

        var error = await Assert.ThrowsAsync<RpcException>(() => kv.TxnAsync(txn, deadline: Deadline).ResponseAsync);
        var retry = await Assert.ThrowsAsync<RpcException>(() => kv.TxnAsync(txn, deadline: Deadline).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("the transaction's result would take", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(error.Status, retry.Status);
        Assert.False((await kv.GetAsync(new GetRequest { Key = "marker" }, deadline: Deadline)).Found);
    }

    [Fact]
    public async Task The_cli_runs_transactions_and_lists_keys()
    {
        await _cluster.StartAllAsync();

        string first = await NodeProcess.RunAsync(0, "txn", "--if", "exists(lock) == false", "--then", "put lock me and you", "--then", "get lock", "--else", "get lock", "--endpoints", Endpoints);
        string second = await NodeProcess.RunAsync(0, "txn", "--if", "value(lock) != me and you", "--then", "delete lock", "--else", "get lock", "--else", "put lock/2 x", "--endpoints", Endpoints);
        string listed = await NodeProcess.RunAsync(0, "list", "lock", "--endpoints", Endpoints);
        string limited = await NodeProcess.RunAsync(0, "list", "", "--limit", "1", "--endpoints", Endpoints);
        string bad = await NodeProcess.RunAsync(2, "txn", "--if", "size(lock) == 3", "--endpoints", Endpoints);

        Assert.Matches(@"^OK succeeded=true index=(\d+)\nput lock index=\1\nget lock found=true index=\1 value=me and you$", first);
        Assert.Matches(@"^OK succeeded=false index=(\d+)\nget lock found=true index=\d+ value=me and you\nput lock/2 index=\1$", second);
        Assert.Equal("lock\tme and you\nlock/2\tx", listed);
        Assert.Equal(["lock\tme and you", "more keys follow: continue with --start-after 'lock'"], limited.Split('\n').Order(StringComparer.Ordinal));
        Assert.Contains("'size(lock) == 3' is not a compare", bad, StringComparison.Ordinal);
    }

    private static async Task<TxnResponse> RetryAsync(Func<Task<TxnResponse>> call)
    {
        // The same client and request id again: applied at most once, and a retry gets the first result.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (LocalCluster.IsUnavailable(e) && attempt < 5)
            {
                await Task.Delay(100);
            }
        }
    }

}
