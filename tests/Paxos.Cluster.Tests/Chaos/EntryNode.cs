namespace Paxos.Cluster.Tests.Chaos;

/// <summary>
/// The node most client calls of a chaos run go through, moved every few seconds: the leader
/// follows the writes (<c>--leader-follows-writes</c>, on by default), so leadership transfers
/// happen in the middle of the faults too. A first attempt goes to this node 96 times in 100,
/// otherwise (and every retry) to a random node.
/// </summary>
internal sealed class EntryNode(int size)
{
    private volatile int _node;

    public int Current => _node;

    public int Pick(Random random) => random.Next(100) < 96 ? _node : random.Next(size);

    /// <summary>Moves the entry node to a random other node every 3 to 8 seconds until <paramref name="stop"/>.</summary>
    public async Task MoveAsync(Random random, Action<string> log, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(3_000, 8_000)), stop).ConfigureAwait(false);
                _node = (_node + 1 + random.Next(size - 1)) % size;
                log($"clients now go through node {_node}");
            }
        }
        catch (OperationCanceledException)
        {
            // the run's faults are over
        }
    }
}
