using Paxos.Node.Replication;

namespace Paxos.Simulation.Paxos;

/// <summary>A request's ending, handled in the same simulation step that ends it (no tasks, no thread pool).</summary>
/// <param name="answered">Called with the answer.</param>
/// <param name="fail">Called with the fault.</param>
internal sealed class SimReply<T>(Action<T> answered, Action<Exception> fail) : IReplicaReply<T>
{
    /// <inheritdoc/>
    public bool IsDone { get; private set; }

    /// <inheritdoc/>
    public void Answer(T answer)
    {
        if (!IsDone)
        {
            IsDone = true;
            answered(answer);
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
