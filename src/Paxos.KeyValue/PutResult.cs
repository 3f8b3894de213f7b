namespace Paxos.KeyValue;

/// <summary>A put was applied.</summary>
/// <param name="index">The index of the put (see <see cref="KeyValueStateMachine.Apply"/>).</param>
public sealed class PutResult(ulong index) : KeyValueResult
{
    /// <summary>The index at which the put was applied.</summary>
    public ulong Index { get; } = index;
}
