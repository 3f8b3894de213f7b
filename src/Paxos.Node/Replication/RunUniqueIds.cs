using System.Buffers.Binary;
using System.Security.Cryptography;
using Paxos.Core;

namespace Paxos.Node.Replication;

/// <summary>
/// Ids unique across every run of this node, without the clock (which may step back across a
/// restart): each run counts up from a random 64-bit start, its incarnation. Two runs' ids meet
/// only if their starts lie within the ids one run hands out, a chance of about n / 2^63 for n ids;
/// 0 is skipped (it means "none" to the core). Not thread-safe: a replica node owns it.
/// </summary>
internal sealed class RunUniqueIds(ulong incarnation)
{
    private ulong _last = incarnation;

    /// <summary>A counter starting at a fresh random incarnation.</summary>
    public static RunUniqueIds StartRandom() => new(BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(sizeof(ulong))));

    /// <summary>The next id: never 0, never one this counter gave before (within 2^64 - 1 ids).</summary>
    public ulong Next()
    {
        _last = _last == ulong.MaxValue ? 1 : _last + 1;
        Invariant.Check(_last != 0, "an id is never 0");
        return _last;
    }
}
