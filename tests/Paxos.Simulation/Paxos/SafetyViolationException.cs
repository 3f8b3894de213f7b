namespace Paxos.Simulation.Paxos;

/// <summary>A safety check failed during a run; the run stops at once so the trace ends at the violation.</summary>
/// <param name="message">What was violated, with the slots, nodes and values involved.</param>
internal sealed class SafetyViolationException(string message) : Exception(message);
