namespace Paxos.KeyValue;

/// <summary>One page of <see cref="KeyValueStateMachine.List"/>: a consistent cut of the store.</summary>
/// <param name="Items">The keys in UTF-8 byte order.</param>
/// <param name="More">Whether further keys with the prefix follow the last item.</param>
/// <param name="ReadIndex">The last applied index when the page was read: every write up to it, none after.</param>
public sealed record KeyValuePage(IReadOnlyList<KeyValueEntry> Items, bool More, ulong ReadIndex);
