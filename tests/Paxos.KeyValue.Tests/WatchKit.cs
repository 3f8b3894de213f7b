using System.Text;
using Paxos.KeyValue.Watching;

namespace Paxos.KeyValue.Tests;

/// <summary>Shorthands of the watch tests: reading what a watcher has, and changes as text ("5 put k=v", "6 delete k").</summary>
internal static class WatchKit
{
    public static Watcher Watch(this KeyValueStateMachine machine, string key, bool prefix = false, ulong from = 0) =>
        machine.Changes.TryWatch(new WatchFilter(key, prefix), from) ?? throw new InvalidOperationException("the feed refused the watch");

    /// <summary>Everything the watcher has now, without waiting: each read's batches, and its end if it ended.</summary>
    public static async Task<(List<List<ChangeBatch>> Reads, WatchEnd? End)> DrainAsync(this Watcher watcher, long maxBytes = long.MaxValue)
    {
        using var now = new CancellationTokenSource();
        await now.CancelAsync();
        var reads = new List<List<ChangeBatch>>();
        while (true)
        {
            WatchRead read;
            try
            {
                read = await watcher.ReadAsync(maxBytes, now.Token);
            }
            catch (OperationCanceledException)
            {
                return (reads, null);
            }
            if (read.Batches.Count > 0)
            {
                reads.Add([.. read.Batches]);
            }
            if (read.End is not null)
            {
                return (reads, read.End);
            }
        }
    }

    /// <summary>The changes the watcher has now, as text, in order; fails if it ended.</summary>
    public static async Task<List<string>> EventsAsync(this Watcher watcher)
    {
        var (reads, end) = await watcher.DrainAsync();
        Assert.Null(end);
        return [.. reads.SelectMany(read => read).SelectMany(Describe)];
    }

    public static IEnumerable<string> Describe(ChangeBatch batch) =>
        batch.Events.Select(change => change.Kind == ChangeKind.Put
            ? $"{batch.Index} put {change.Key}={Encoding.UTF8.GetString(change.Value.Span)}"
            : $"{batch.Index} delete {change.Key}");
}
