namespace Paxos.Node.Leases;

/// <summary>The answer to a keep-alive: whether the lease exists (and was renewed), and its time to live.</summary>
public readonly record struct KeepAliveOutcome(bool Found, long TtlMilliseconds);
