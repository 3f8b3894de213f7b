using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Paxos.Cluster.Tests.Harness;
using Paxos.Transport.V1;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests;

/// <summary>Watches (CONTRACT.md section 1b) against 3 real node processes, one of which is killed.</summary>
public sealed class WatchClusterTests(ITestOutputHelper output) : IDisposable
{
    private const string EndKey = "w/end";
    private readonly LocalCluster _cluster = new(output, size: 3);

    public void Dispose() => _cluster.Dispose();

    /// <summary>
    /// A watch on a follower, through the API and through <c>paxos watch</c>, while 4 clients write;
    /// the follower is killed and both move to another node with start_index = the last index seen
    /// + 1. What each saw must be exactly what a watch on the leader reports for the same indexes:
    /// every chosen change once, in order, acknowledged writes included.
    /// </summary>
    [Fact]
    public async Task A_watch_that_resumes_on_another_node_after_its_node_is_killed_misses_nothing_and_sees_nothing_twice()
    {
        await _cluster.StartAllAsync();
        int leader = await _cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
        int victim = (leader + 1) % _cluster.Size;
        int other = (leader + 2) % _cluster.Size;
        using var cli = NodeProcess.Start(["watch", "w/", "--prefix", "--endpoints", $"{Url(victim)},{Url(other)}"]);
        ulong cliStart = ulong.Parse((await OutputLineAsync(cli, "watching from index ")).Split(' ')[0], CultureInfo.InvariantCulture);

        var created = new TaskCompletionSource<ulong>(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new List<WatchEvent>();
        var follow = Task.Run(() => FollowAsync([victim, other], created, seen));
        ulong start = await created.Task.WaitAsync(TimeSpan.FromSeconds(20));

        using var stopWriting = new CancellationTokenSource();
        var acknowledged = new List<(string Key, ulong Index)>();
        var writers = Enumerable.Range(0, 4).Select(writer => Task.Run(() => WriteAsync(writer, leader, acknowledged, stopWriting.Token))).ToArray();
        while (Count(seen) < 30)
        {
            await Task.Delay(20);
        }
        _cluster.Kill(victim);
        int atKill = Count(acknowledged);
        while (Count(acknowledged) < atKill + 60)
        {
            await Task.Delay(20);
        }
        await stopWriting.CancelAsync();
        await Task.WhenAll(writers);
        ulong end = (await _cluster.KeyValue(leader).PutAsync(new PutRequest { Key = EndKey, Value = ByteString.CopyFromUtf8("end") }, deadline: DateTime.UtcNow.AddSeconds(20))).Index;
        await follow.WaitAsync(TimeSpan.FromSeconds(30));
        await OutputLineAsync(cli, $"{end}\tPUT\t{EndKey}\t");
        cli.Signal(Signals.SigTerm);

        var reference = new List<WatchEvent>();
        await FollowAsync([leader], new TaskCompletionSource<ulong>(), reference, Math.Min(start, cliStart));
        Assert.True(reference.Select(e => e.Index).Zip(reference.Skip(1).Select(e => e.Index)).All(pair => pair.First < pair.Second), "one put per index");
        Assert.Subset(reference.Select(e => (e.Key, e.Index)).ToHashSet(), acknowledged.ToHashSet());
        Assert.Equal(Describe(reference.Where(e => e.Index >= start)), Describe(seen));
        Assert.Equal(Describe(reference.Where(e => e.Index >= cliStart)), CliEvents(cli.Output));
        output.WriteLine($"{seen.Count} changes from index {start} to {end}, {acknowledged.Count} writes acknowledged, {atKill} before the kill");
        _cluster.AssertNoNodeExitedByItself();
    }

    private string Url(int node) => _cluster.Config.Nodes[node].Url.GetLeftPart(UriPartial.Authority);

    private static int Count<T>(List<T> items)
    {
        lock (items)
        {
            return items.Count;
        }
    }

    private static List<string> Describe(IEnumerable<WatchEvent> events) => [.. events.Select(e => $"{e.Index}\t{e.Type.ToString().ToUpperInvariant()}\t{e.Key}\t{e.Value.ToStringUtf8()}")];

    private static List<string> CliEvents(string cliOutput) =>
        [.. cliOutput.Split('\n').Select(line => line.TrimEnd('\r')).Where(line => line.Split('\t').Length == 4 && char.IsAsciiDigit(line[0]))];

    /// <summary>Watches "w/" on <paramref name="nodes"/>, moving to the next when one fails, until the change of <see cref="EndKey"/>.</summary>
    private async Task FollowAsync(int[] nodes, TaskCompletionSource<ulong> created, List<WatchEvent> seen, ulong start = 0)
    {
        int node = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            try
            {
                using var call = _cluster.Watches(nodes[node]).Watch(new WatchRequest { Key = "w/", Prefix = true, StartIndex = start }, cancellationToken: timeout.Token);
                await foreach (var response in call.ResponseStream.ReadAllAsync(timeout.Token))
                {
                    if (response.Created)
                    {
                        Assert.True(start == 0 || response.NextIndex == start, $"asked for index {start}, told {response.NextIndex}");
                        start = response.NextIndex;
                        created.TrySetResult(start);
                    }
                    foreach (var change in response.Events)
                    {
                        lock (seen)
                        {
                            seen.Add(change);
                        }
                        start = change.Index + 1;
                        if (change.Key == EndKey)
                        {
                            return;
                        }
                    }
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && node + 1 < nodes.Length)
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} watch on node {nodes[node]} failed ({e.Status.Detail}); resuming at index {start} on node {nodes[node + 1]}");
                node++;
            }
        }
    }

    /// <summary>Puts new keys through the leader until stopped; records the index of each acknowledged put.</summary>
    private async Task WriteAsync(int writer, int leader, List<(string Key, ulong Index)> acknowledged, CancellationToken stop)
    {
        var kv = _cluster.KeyValue(leader);
        for (int n = 0; !stop.IsCancellationRequested; n++)
        {
            string key = $"w/{writer}/{n}";
            try
            {
                var reply = await kv.PutAsync(new PutRequest { Key = key, Value = ByteString.CopyFromUtf8($"v{writer}-{n}") }, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: CancellationToken.None);
                lock (acknowledged)
                {
                    acknowledged.Add((key, reply.Index));
                }
            }
            catch (RpcException e) when (LocalCluster.IsUnavailable(e))
            {
                // Outcome unknown: the watches may or may not report it, both alike.
            }
        }
    }

    private static async Task<string> OutputLineAsync(NodeProcess process, string start)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (process.Output.Split('\n').FirstOrDefault(line => line.StartsWith(start, StringComparison.Ordinal)) is { } line)
            {
                return line[start.Length..].Trim();
            }
            Assert.False(process.HasExited, $"paxos watch exited with {(process.HasExited ? process.ExitCode : 0)}: {process.Output}");
            await Task.Delay(50, timeout.Token);
        }
    }
}
