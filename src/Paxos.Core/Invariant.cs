namespace Paxos.Core;

/// <summary>
/// Assertions for protocol invariants (a ballot never goes down, a chosen slot never changes, ...).
/// A broken invariant means the node's state can no longer be trusted: it fails loudly instead of
/// corrupting data. These checks stay on in release builds.
/// </summary>
public static class Invariant
{
    /// <summary>Throws <see cref="InvariantViolationException"/> with <paramref name="message"/> unless <paramref name="condition"/> holds.</summary>
    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvariantViolationException(message);
        }
    }
}

/// <summary>Thrown when a protocol invariant does not hold. Never caught by the protocol code.</summary>
public sealed class InvariantViolationException(string message) : Exception("Invariant violated: " + message);
