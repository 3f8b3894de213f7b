namespace Paxos.Simulation.Infrastructure;

/// <summary>What a <see cref="SimFileSystem.Crash"/> destroyed.</summary>
/// <param name="LostWrites">Unsynced changes lost entirely, and the torn write.</param>
/// <param name="LostBytes">Bytes of unsynced writes that did not survive (including the torn-off part).</param>
/// <param name="TornFile">The file whose last write was torn, or null.</param>
/// <param name="TornBytesKept">How many bytes of the torn write survived (whole sectors).</param>
public sealed record DiskCrashOutcome(int LostWrites, long LostBytes, string? TornFile, long TornBytesKept)
{
    /// <inheritdoc/>
    public override string ToString() => TornFile is null
        ? $"lost {LostWrites} unsynced writes ({LostBytes} bytes)"
        : $"lost {LostWrites} unsynced writes ({LostBytes} bytes); tore the last write to {TornFile}, keeping {TornBytesKept} bytes";
}
