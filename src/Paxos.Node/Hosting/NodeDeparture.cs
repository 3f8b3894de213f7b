using Microsoft.Extensions.Logging;

namespace Paxos.Node.Hosting;

/// <summary>
/// How a node that learns it was removed from the cluster stops by itself: once it applied its own
/// removal, or a peer refused it as removed (a removed node that missed its removal, or one restarted
/// with old data). The first reason is logged and <see cref="Stopping"/> fires; the host then stops
/// as on SIGTERM, so <c>paxos node</c> exits with code 0.
/// </summary>
internal sealed partial class NodeDeparture(ILogger<NodeDeparture> logger) : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private int _left;

    /// <summary>Fires once the node is to stop because it was removed.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>The reason given first, or null while the node is a member.</summary>
    public string? Reason { get; private set; }

    /// <summary>Stops the node because it was removed, saying why; later calls change nothing.</summary>
    public void Leave(string reason)
    {
        if (Interlocked.Exchange(ref _left, 1) != 0)
        {
            return;
        }
        Reason = reason;
        LogLeaving(reason);
        _stopping.Cancel();
    }

    /// <inheritdoc/>
    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Reason}; stopping")]
    private partial void LogLeaving(string reason);
}
