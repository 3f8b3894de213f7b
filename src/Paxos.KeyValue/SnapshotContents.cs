using System.Collections.Concurrent;

namespace Paxos.KeyValue;

/// <summary>The whole state of a <see cref="KeyValueStateMachine"/>, as read from a snapshot.</summary>
internal sealed record SnapshotContents(ulong LastAppliedIndex, ConcurrentDictionary<string, StoredValue> Data, ClientTable Clients, LeaseTable Leases);
