namespace Paxos.Node.Hosting;

/// <summary>Who this node is in its cluster.</summary>
public sealed record NodeIdentity(string Id, int Index, int ClusterSize);
