namespace Paxos.Simulation.Infrastructure;

/// <summary>An I/O error the simulated disk was told to give (a failed fsync, a full disk), as opposed to one the code under test caused.</summary>
/// <param name="message">What failed.</param>
public sealed class SimDiskFaultException(string message) : IOException(message);
