using Grpc.Core;

namespace Paxos.Bench;

/// <summary>
/// The channels one worker sends through, each request to the next one in turn (a single channel
/// when the worker keeps one endpoint). A worker has one request in flight at a time, so the
/// rotation needs no synchronisation.
/// </summary>
internal sealed class BenchRoute(IReadOnlyList<CallInvoker> invokers)
{
    private int next = -1;

    public IReadOnlyList<CallInvoker> Invokers { get; } = invokers;

    /// <summary>The index into <see cref="Invokers"/> of the next request's channel.</summary>
    public int Next()
    {
        next = (next + 1) % Invokers.Count;
        return next;
    }
}
