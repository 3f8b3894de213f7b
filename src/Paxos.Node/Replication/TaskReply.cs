namespace Paxos.Node.Replication;

/// <summary>A <see cref="IReplicaReply{T}"/> a caller awaits; its continuations run off the replica's loop.</summary>
internal sealed class TaskReply<T> : IReplicaReply<T>
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => _completion.Task;

    public bool IsDone => _completion.Task.IsCompleted;

    public void Answer(T answer) => _completion.TrySetResult(answer);

    public void Fail(Exception reason) => _completion.TrySetException(reason);

    public void Cancel(CancellationToken cancellationToken) => _completion.TrySetCanceled(cancellationToken);
}
