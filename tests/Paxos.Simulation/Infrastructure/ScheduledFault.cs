namespace Paxos.Simulation.Infrastructure;

/// <summary>A fault and the virtual time it strikes.</summary>
/// <param name="At">When.</param>
/// <param name="Fault">What.</param>
public sealed record ScheduledFault(TimeSpan At, Fault Fault)
{
    /// <inheritdoc/>
    public override string ToString() => $"t={At.TotalSeconds:0.000}s {Fault}";
}
