namespace Paxos.KeyValue;

/// <summary>A delete was applied.</summary>
/// <param name="existed">Whether the key existed just before the delete.</param>
/// <param name="index">The index of the delete, whether or not the key existed.</param>
public sealed class DeleteResult(bool existed, ulong index) : KeyValueResult
{
    /// <summary>Whether the key existed just before the delete.</summary>
    public bool Existed { get; } = existed;

    /// <summary>The index at which the delete was applied, whether or not the key existed.</summary>
    public ulong Index { get; } = index;
}
