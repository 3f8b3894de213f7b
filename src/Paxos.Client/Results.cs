using System.Text;

namespace Paxos.Client;

/// <summary>How a read is served.</summary>
public enum ReadConsistency
{
    /// <summary>The read takes effect at one instant between its call and its reply: it sees every write acknowledged before it was sent.</summary>
    Linearizable = 0,

    /// <summary>Answered by the replica of whichever node is asked, without consulting the leader: faster, but it may be stale.</summary>
    Serializable = 1,
}

/// <summary>The answer to a put.</summary>
/// <param name="Index">The log index the write was chosen at; it grows strictly with every write.</param>
public sealed record PutResult(ulong Index);

/// <summary>The answer to a get.</summary>
/// <param name="Found">Whether the key exists.</param>
/// <param name="Value">The key's value; empty when it does not exist.</param>
/// <param name="Index">The index of the last write to the key; 0 when it does not exist.</param>
public sealed record GetResult(bool Found, ReadOnlyMemory<byte> Value, ulong Index)
{
    /// <summary>The value decoded as UTF-8.</summary>
    public string ValueAsString() => Encoding.UTF8.GetString(Value.Span);
}

/// <summary>The answer to a delete.</summary>
/// <param name="Existed">Whether the key existed before the delete.</param>
/// <param name="Index">The log index the delete was chosen at.</param>
public sealed record DeleteResult(bool Existed, ulong Index);

/// <summary>The answer to a compare-and-swap.</summary>
/// <param name="Succeeded">Whether the comparison held and the new value was written.</param>
/// <param name="Found">Whether the key existed when the comparison was made.</param>
/// <param name="CurrentValue">The key's value when the comparison was made (empty if it did not exist).</param>
/// <param name="Index">The log index the compare-and-swap was chosen at.</param>
public sealed record CompareAndSwapResult(bool Succeeded, bool Found, ReadOnlyMemory<byte> CurrentValue, ulong Index);

/// <summary>Who leads the cluster, as the node asked believes.</summary>
/// <param name="Known">Whether the node knows a leader (false during an election, or without a majority).</param>
/// <param name="Id">The leader's node id, when known.</param>
/// <param name="Url">The leader's URL as the cluster file names it, when known.</param>
public sealed record LeaderInfo(bool Known, string? Id, Uri? Url);

/// <summary>A key, its value, and the indexes that concern it.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">Its value.</param>
/// <param name="Index">The index of the last write to it.</param>
/// <param name="LeaseId">The lease it is attached to, or 0.</param>
public sealed record KeyValueItem(string Key, ReadOnlyMemory<byte> Value, ulong Index, ulong LeaseId)
{
    /// <summary>The value decoded as UTF-8.</summary>
    public string ValueAsString() => Encoding.UTF8.GetString(Value.Span);
}

/// <summary>One page of a list.</summary>
/// <param name="Items">The keys, in UTF-8 byte order.</param>
/// <param name="More">Whether keys follow the last one (ask again with it as <c>startAfter</c>).</param>
/// <param name="ReadIndex">The index the page reflects: every write up to it, none after.</param>
public sealed record ListPage(IReadOnlyList<KeyValueItem> Items, bool More, ulong ReadIndex);

/// <summary>What a watched change did.</summary>
public enum WatchEventType
{
    /// <summary>The key was written (also with an equal value).</summary>
    Put = 0,

    /// <summary>The key, which existed, was deleted (by a delete, a transaction, or its lease's end).</summary>
    Delete = 1,
}

/// <summary>One change seen by a watch.</summary>
/// <param name="Type">Put or delete.</param>
/// <param name="Key">The key changed.</param>
/// <param name="Value">The value written (empty for a delete).</param>
/// <param name="Index">The index of the change; the changes of one transaction share it.</param>
public sealed record WatchEvent(WatchEventType Type, string Key, ReadOnlyMemory<byte> Value, ulong Index)
{
    /// <summary>The value decoded as UTF-8.</summary>
    public string ValueAsString() => Encoding.UTF8.GetString(Value.Span);
}

/// <summary>A node took a watch on (<see cref="PaxosClient.WatchAsync"/>).</summary>
/// <param name="Endpoint">The node.</param>
/// <param name="NextIndex">The index of the first change it will report.</param>
public sealed record WatchStart(Uri Endpoint, ulong NextIndex);

/// <summary>What one node knows of itself (<see cref="PaxosClient.GetNodeStatusAsync"/>).</summary>
/// <param name="NodeId">Its id.</param>
/// <param name="Role"><c>leader</c>, <c>follower</c> or <c>candidate</c>.</param>
/// <param name="BallotRound">The round of the highest ballot it promised.</param>
/// <param name="BallotNode">The node number of that ballot.</param>
/// <param name="LeaderId">The leader it knows, or null.</param>
/// <param name="CommitIndex">The highest slot it knows chosen (every one below too).</param>
/// <param name="AppliedIndex">The highest slot it applied.</param>
/// <param name="SnapshotIndex">Its log before this slot is compacted into a snapshot.</param>
public sealed record NodeStatus(string NodeId, string Role, ulong BallotRound, int BallotNode, string? LeaderId, ulong CommitIndex, ulong AppliedIndex, ulong SnapshotIndex);
