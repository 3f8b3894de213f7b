namespace Paxos.Client;

/// <summary>A granted lease.</summary>
/// <param name="Id">The lease's id, to put keys with and keep it alive.</param>
/// <param name="Ttl">Its time to live: it ends this long after its grant or last keep-alive.</param>
public sealed record LeaseGrant(ulong Id, TimeSpan Ttl);

/// <summary>The answer to a keep-alive.</summary>
/// <param name="Found">Whether the lease exists and was renewed.</param>
/// <param name="Ttl">Its time to live, from the renewal.</param>
public sealed record LeaseKeepAlive(bool Found, TimeSpan Ttl);

/// <summary>The answer to a revoke.</summary>
/// <param name="Found">Whether the lease existed (and was ended with its keys).</param>
/// <param name="Index">The index at which its keys were deleted.</param>
public sealed record LeaseRevoke(bool Found, ulong Index);
