using System.Diagnostics;
using Paxos.Checking;

namespace Paxos.Cluster.Tests.Chaos;

/// <summary>
/// The client history of a chaos run, shared by its clients: every operation's invocation and
/// response on one monotonic clock of this process, so real-time order between clients is exact.
/// </summary>
internal sealed class ChaosHistory
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly HistoryRecorder _recorder = new();

    /// <summary>The time on the history's clock.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public int Invoke(int client, KvInput input)
    {
        lock (_recorder)
        {
            return _recorder.Invoke(client, input, _clock.Elapsed);
        }
    }

    /// <summary>Records an operation invoked at <paramref name="at"/> whose outcome stays unknown (a lease's possible expiry).</summary>
    public void InvokeAt(int client, KvInput input, TimeSpan at)
    {
        lock (_recorder)
        {
            _recorder.Invoke(client, input, at);
        }
    }

    public void Complete(int id, KvOutput output)
    {
        lock (_recorder)
        {
            _recorder.Complete(id, output, _clock.Elapsed);
        }
    }

    /// <summary>A copy of the history so far.</summary>
    public IReadOnlyList<HistoryOperation> Operations
    {
        get
        {
            lock (_recorder)
            {
                return [.. _recorder.Operations];
            }
        }
    }
}
