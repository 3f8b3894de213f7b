namespace Paxos.Simulation.Infrastructure;

/// <summary>What a <see cref="SimDisk.Crash"/> destroyed.</summary>
/// <param name="LostWrites">Unsynced appends lost entirely.</param>
/// <param name="LostBytes">Bytes of unsynced appends that did not survive (including the torn-off part).</param>
/// <param name="TornFile">The file whose last append was torn, or null.</param>
/// <param name="TornBytesKept">How many bytes of the torn append survived.</param>
public sealed record DiskCrashOutcome(int LostWrites, long LostBytes, string? TornFile, int TornBytesKept)
{
    /// <inheritdoc/>
    public override string ToString() => TornFile is null
        ? $"lost {LostWrites} unsynced writes ({LostBytes} bytes)"
        : $"lost {LostWrites} unsynced writes ({LostBytes} bytes); tore the last write to {TornFile}, keeping {TornBytesKept} bytes";
}
