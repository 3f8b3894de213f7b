using Paxos.Client;

namespace Paxos.Cluster.Tests.MembershipChanges;

/// <summary>
/// A steady write load while a test changes the membership: <c>writers</c> loops, each putting a
/// fresh key after the last one was acknowledged (key <c>w{writer}-{n}</c>, value its own). Every
/// put may retry for 30 s (the typed client's retries, exactly once by client and request id); one
/// that still fails is a failed write. What was acknowledged is kept, to be read back at the end.
/// </summary>
internal sealed class SteadyWriter : IAsyncDisposable
{
    public const string Prefix = "w";

    private readonly PaxosClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops;
    private readonly Dictionary<string, string> _acknowledged = [];
    private readonly List<string> _failed = [];

    public SteadyWriter(IEnumerable<Uri> endpoints, int writers = 2)
    {
        _client = new PaxosClient(new PaxosClientOptions { Endpoints = [.. endpoints], Timeout = TimeSpan.FromSeconds(30) });
        _loops = [.. Enumerable.Range(0, writers).Select(w => Task.Run(() => WriteAsync(w)))];
    }

    public int Acknowledged
    {
        get
        {
            lock (_acknowledged)
            {
                return _acknowledged.Count;
            }
        }
    }

    /// <summary>Waits until <paramref name="more"/> further writes have been acknowledged (at most a minute), so a test knows the load goes on.</summary>
    public async Task WaitForMoreAsync(int more)
    {
        int target = Acknowledged + more;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Acknowledged < target)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the write load stalled at {Acknowledged} acknowledged writes; failed: {string.Join("; ", Failed.Take(5))}");
            Assert.True(_loops.All(l => !l.IsCompleted), "a writer loop ended early");
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>Lets every writer finish its put in flight, and stops them; returns what was acknowledged and what failed.</summary>
    public async Task<(IReadOnlyDictionary<string, string> Acknowledged, IReadOnlyList<string> Failed)> StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
        lock (_acknowledged)
        {
            return (new Dictionary<string, string>(_acknowledged), Failed);
        }
    }

    private IReadOnlyList<string> Failed
    {
        get
        {
            lock (_failed)
            {
                return [.. _failed];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
        await _client.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task WriteAsync(int writer)
    {
        for (int n = 0; !_stop.IsCancellationRequested; n++)
        {
            string key = $"{Prefix}{writer}-{n:D6}";
            string value = $"{key}@{DateTime.UtcNow:HH:mm:ss.fff}";
            try
            {
                await _client.PutAsync(key, value).ConfigureAwait(false);
                lock (_acknowledged)
                {
                    _acknowledged[key] = value;
                }
            }
            catch (PaxosException e)
            {
                lock (_failed)
                {
                    _failed.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {key}: {e.GetType().Name}: {e.Message}");
                }
            }
        }
    }
}
