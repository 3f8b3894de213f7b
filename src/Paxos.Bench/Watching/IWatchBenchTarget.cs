namespace Paxos.Bench.Watching;

/// <summary>One kind of cluster under <c>paxos bench watch</c>: watches of a prefix and puts under it.</summary>
internal interface IWatchBenchTarget : IDisposable
{
    /// <summary>
    /// Watches every key with <paramref name="prefix"/> through endpoint <paramref name="endpoint"/>
    /// from now on: completes <paramref name="created"/> once the watch is in place, then calls
    /// <paramref name="onValue"/> with the value of each put, until cancelled.
    /// </summary>
    Task WatchAsync(int endpoint, string prefix, TaskCompletionSource created, Action<ReadOnlyMemory<byte>> onValue, CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="value"/> to <paramref name="key"/> through endpoint <paramref name="endpoint"/>.</summary>
    Task PutAsync(int endpoint, string key, byte[] value, CancellationToken cancellationToken);
}
