using Paxos.Node.Replication;

namespace Paxos.Simulation.Paxos;

/// <summary>A request's ending, handled in the same simulation step that ends it (no tasks, no thread pool).</summary>
/// <param name="succeed">Called with the result.</param>
/// <param name="fail">Called with the error.</param>
internal sealed class SimReply<T>(Action<T> succeed, Action<Exception> fail) : IReplicaReply<T>
{
    /// <inheritdoc/>
    public bool IsDone { get; private set; }

    /// <inheritdoc/>
    public void Succeed(T result)
    {
        if (!IsDone)
        {
            IsDone = true;
            succeed(result);
        }
    }

    /// <inheritdoc/>
    public void Fail(Exception reason)
    {
        if (!IsDone)
        {
            IsDone = true;
            fail(reason);
        }
    }
}
