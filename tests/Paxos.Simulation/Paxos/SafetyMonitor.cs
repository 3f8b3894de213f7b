using System.Globalization;
using Paxos.Core.Replication;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// The run-wide record of what every replica learned as chosen, kept outside the nodes so it
/// survives their crashes. Agreement: a slot is never reported chosen with two different values,
/// on any nodes, in any incarnation. Prefixes: each replica applies slots 1, 2, 3, ... in order
/// (or jumps forward by installing a snapshot), so with agreement the applied logs of all nodes are
/// prefixes of one sequence. A violation throws <see cref="SafetyViolationException"/>.
/// </summary>
internal sealed class SafetyMonitor
{
    private readonly Dictionary<ulong, (SlotValue Value, int Node, int Incarnation)> _chosen = [];

    /// <summary>
    /// Node <paramref name="node"/> (incarnation <paramref name="incarnation"/>), having applied every
    /// slot up to <paramref name="previousSlot"/>, now applies <paramref name="entry"/> as chosen.
    /// </summary>
    public void OnApplied(int node, int incarnation, ulong previousSlot, LogEntry entry)
    {
        if (entry.Slot != previousSlot + 1)
        {
            throw new SafetyViolationException(string.Create(
                CultureInfo.InvariantCulture,
                $"applied log is not a prefix: n{node} applied slot {entry.Slot} right after slot {previousSlot}"));
        }

        if (_chosen.TryGetValue(entry.Slot, out (SlotValue Value, int Node, int Incarnation) first))
        {
            if (!first.Value.ContentEquals(entry.Value))
            {
                throw new SafetyViolationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"AGREEMENT violated: slot {entry.Slot} was chosen with two values: n{first.Node} (incarnation {first.Incarnation}) applied {Describe(first.Value)}, n{node} (incarnation {incarnation}) applied {Describe(entry.Value)}"));
            }
        }
        else
        {
            _chosen.Add(entry.Slot, (entry.Value, node, incarnation));
        }
    }

    /// <summary>Renders a slot's value for a violation report: no-op, or its commands.</summary>
    private static string Describe(SlotValue value) => value.IsNoOp
        ? "no-op"
        : $"{value.Commands.Count} command(s) [{string.Join(", ", value.Commands.Select(c => KvTranslation.DescribeCommand(c.Span)))}]";
}
