namespace Paxos.KeyValue;

/// <summary>A lease as <see cref="KeyValueStateMachine.Leases"/> reports it.</summary>
/// <param name="Id">The lease's id (the index it was granted at).</param>
/// <param name="TtlMilliseconds">Its time to live.</param>
/// <param name="KeyCount">How many keys are attached to it.</param>
public readonly record struct LeaseInfo(ulong Id, long TtlMilliseconds, int KeyCount);
