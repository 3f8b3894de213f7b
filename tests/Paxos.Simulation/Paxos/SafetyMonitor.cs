using System.Globalization;
using Paxos.Core.Replication;
using Paxos.KeyValue;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// The run-wide record of what every replica learned as chosen, kept outside the nodes so it
/// survives their crashes. Agreement: a slot is never reported chosen with two different values,
/// on any nodes, in any incarnation. Prefixes: each replica applies slots 1, 2, 3, ... in order
/// (or jumps forward by installing a snapshot), so with agreement the applied logs of all nodes are
/// prefixes of one sequence. No duplicate writes: a client's write is chosen in no more slots than
/// the times it reached a replica (each is proposed once; exactly-once would hide a second copy
/// from the clients, but not from the log). A violation throws <see cref="SafetyViolationException"/>.
/// </summary>
internal sealed class SafetyMonitor
{
    private readonly Dictionary<ulong, (SlotValue Value, int Node, int Incarnation)> _chosen = [];
    private readonly Dictionary<(string ClientId, ulong RequestId), int> _received = [];
    private readonly Dictionary<(string ClientId, ulong RequestId), int> _slotsOf = [];
    private readonly HashSet<(int From, ulong Id)> _forwards = [];

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
            foreach (ReadOnlyMemory<byte> command in entry.Value.Commands)
            {
                KeyValueCommand write = KeyValueCommandCodec.Decode(command.Span);
                if (write.ClientId.Length == 0)
                {
                    continue; // the lease keeper's own command (an epoch claim or an expiry), not a client's write
                }

                (string, ulong) request = (write.ClientId, write.RequestId);
                int slots = _slotsOf.GetValueOrDefault(request) + 1;
                _slotsOf[request] = slots;
                if (slots > _received.GetValueOrDefault(request))
                {
                    throw new SafetyViolationException(string.Create(
                        CultureInfo.InvariantCulture,
                        $"a write was chosen more often than it was sent: {write.ClientId}#{write.RequestId} is in {slots} slots (the latest {entry.Slot}), but reached the replicas {_received.GetValueOrDefault(request)} time(s)"));
                }
            }
        }
    }

    /// <summary>
    /// A replica received a write forwarded to it; a forward the network delivered again is one more
    /// copy of the write, as a client's retry is (a real peer stream never repeats a message, but the
    /// simulated network may).
    /// </summary>
    public void OnForwardReceived(ForwardProposal forward)
    {
        ArgumentNullException.ThrowIfNull(forward);
        if (!_forwards.Add((forward.From, forward.Id)))
        {
            KeyValueCommand write = KeyValueCommandCodec.Decode(forward.Command.Span);
            OnWriteReceived(write.ClientId, write.RequestId);
        }
    }

    /// <summary>A replica received write <paramref name="requestId"/> of <paramref name="clientId"/> (a retry or a duplicated packet counts again).</summary>
    public void OnWriteReceived(string clientId, ulong requestId)
    {
        (string, ulong) request = (clientId, requestId);
        _received[request] = _received.GetValueOrDefault(request) + 1;
    }

    /// <summary>Renders a slot's value for a violation report: no-op, a membership, or its commands.</summary>
    private static string Describe(SlotValue value) => value.IsNoOp
        ? "no-op"
        : value.Membership is { } membership
            ? $"{membership} from {value.Origin}"
            : $"{value.Commands.Count} command(s) [{string.Join(", ", value.Commands.Select(c => KvTranslation.DescribeCommand(c.Span)))}]";
}
