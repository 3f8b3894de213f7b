using Microsoft.Extensions.Logging;

namespace Paxos.Node.Hosting;

/// <summary>
/// How a node stops by itself when it must not take part: it learns it was removed from the cluster
/// (it applied its own removal, or a peer refused it as removed: a removed node that missed its
/// removal, or one restarted with old data), after which <c>paxos node</c> exits with code 0; or it
/// finds it lost the data of an earlier part in the cluster (<see cref="FreshStartCheck"/>), an error.
/// The first reason is logged and <see cref="Stopping"/> fires; the host then stops as on SIGTERM.
/// </summary>
internal sealed partial class NodeDeparture(ILogger<NodeDeparture> logger) : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private int _left;

    /// <summary>Fires once the node is to stop because it was removed.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Why the node must not take part (an error), or null.</summary>
    public string? Refusal { get; private set; }

    /// <summary>Stops the node because it was removed, saying why; later calls change nothing.</summary>
    public void Leave(string reason)
    {
        if (Interlocked.Exchange(ref _left, 1) == 0)
        {
            LogLeaving(reason);
            _stopping.Cancel();
        }
    }

    /// <summary>Stops the node because it must not take part, an error; later calls change nothing.</summary>
    public void Refuse(string reason)
    {
        if (Interlocked.Exchange(ref _left, 1) == 0)
        {
            Refusal = reason;
            LogRefused(reason);
            _stopping.Cancel();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Reason}; stopping")]
    private partial void LogLeaving(string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Reason}; stopping")]
    private partial void LogRefused(string reason);
}
