using System.Numerics;
using System.Text;

namespace Paxos.Core.Replication;

/// <summary>One node of a <see cref="Membership"/>: its number (its index in every node mask and its part of every ballot), its name and address, and whether it votes.</summary>
/// <param name="Number">0..<see cref="Membership.MaxNumbers"/>-1, never reused within a cluster.</param>
/// <param name="Name">The operator's name for the node (the cluster file's <c>id</c>).</param>
/// <param name="Url">How peers and clients reach the node.</param>
/// <param name="IsVoter">True for a voter (an acceptor counted in quorums); false for a learner.</param>
public sealed record Member(int Number, string Name, string Url, bool IsVoter);

/// <summary>
/// The nodes of a cluster as of one slot: voters, whose majorities are the quorums, and learners,
/// which receive the log but count in no quorum. A membership is replicated state: a slot can carry a
/// new one (<see cref="SlotValue.Membership"/>), which governs every slot after it. Consecutive
/// memberships differ by at most one voter, so every majority of one intersects every majority of
/// the next (see <c>ReplicaCore.Membership.cs</c> for the rules that rely on it).
/// </summary>
public sealed class Membership
{
    /// <summary>Node numbers are 0..31: a node mask is a 32-bit word. Numbers are never reused, so a cluster assigns at most this many over its life.</summary>
    public const int MaxNumbers = 32;

    /// <summary>Longest node name, in UTF-8 bytes.</summary>
    public const int MaxNameBytes = 128;

    /// <summary>Longest node URL, in UTF-8 bytes.</summary>
    public const int MaxUrlBytes = 512;

    private readonly Member[] members;

    /// <summary>Creates a membership chosen at <paramref name="slot"/> (0: the founding one).</summary>
    /// <exception cref="ArgumentException">A number is out of range or repeated, a name or url is empty, too long or repeated, or <paramref name="nextNumber"/> is not above every number.</exception>
    public Membership(ulong slot, IEnumerable<Member> members, int nextNumber)
    {
        ArgumentNullException.ThrowIfNull(members);
        this.members = [.. members.OrderBy(member => member.Number)];
        Slot = slot;
        NextNumber = nextNumber;
        if (nextNumber is < 0 or > MaxNumbers)
        {
            throw new ArgumentException($"the next node number must be 0..{MaxNumbers}", nameof(nextNumber));
        }

        foreach (Member member in this.members)
        {
            ArgumentNullException.ThrowIfNull(member);
            if (member.Number < 0 || member.Number >= nextNumber)
            {
                throw new ArgumentException($"node number {member.Number} is not below the next number {nextNumber}", nameof(members));
            }

            if (string.IsNullOrEmpty(member.Name) || Encoding.UTF8.GetByteCount(member.Name) > MaxNameBytes)
            {
                throw new ArgumentException($"node {member.Number}: a name must have 1..{MaxNameBytes} bytes", nameof(members));
            }

            if (Encoding.UTF8.GetByteCount(member.Url ?? string.Empty) > MaxUrlBytes)
            {
                throw new ArgumentException($"node {member.Number}: a url must have at most {MaxUrlBytes} bytes", nameof(members));
            }

            uint bit = 1u << member.Number;
            if (((Voters | Learners) & bit) != 0)
            {
                throw new ArgumentException($"node number {member.Number} appears twice", nameof(members));
            }

            if (member.IsVoter)
            {
                Voters |= bit;
            }
            else
            {
                Learners |= bit;
            }
        }

        if (this.members.Select(member => member.Name).Distinct(StringComparer.Ordinal).Count() != this.members.Length)
        {
            throw new ArgumentException("two nodes have the same name", nameof(members));
        }
    }

    /// <summary>A new cluster's membership: the named nodes, numbered 0.. in order, all voters.</summary>
    public static Membership Founding(IReadOnlyList<(string Name, string Url)> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        return new Membership(0, nodes.Select((node, number) => new Member(number, node.Name, node.Url, IsVoter: true)), nodes.Count);
    }

    /// <summary>A founding membership of <paramref name="size"/> voters named by their numbers, without addresses (for tests and tools).</summary>
    public static Membership OfSize(int size) =>
        Founding([.. Enumerable.Range(0, size).Select(number => (number.ToString(System.Globalization.CultureInfo.InvariantCulture), string.Empty))]);

    /// <summary>What a node that joins an existing cluster knows before it learns the real membership: nobody, itself included.</summary>
    public static Membership Unknown { get; } = new(0, [], 0);

    /// <summary>The slot whose value this membership is (0 for a founding membership): it governs the slots after it.</summary>
    public ulong Slot { get; }

    /// <summary>Every member, by number.</summary>
    public IReadOnlyList<Member> Members => members;

    /// <summary>The number the next node added gets: above every number ever assigned.</summary>
    public int NextNumber { get; }

    /// <summary>The voters' mask.</summary>
    public uint Voters { get; }

    /// <summary>The learners' mask.</summary>
    public uint Learners { get; }

    /// <summary>Voters and learners.</summary>
    public uint All => Voters | Learners;

    /// <summary>How many voters' agreement makes a quorum: a majority of the voters.</summary>
    public int QuorumSize => (BitOperations.PopCount(Voters) / 2) + 1;

    /// <summary>True if <paramref name="number"/> is a voter.</summary>
    public bool IsVoter(int number) => number is >= 0 and < MaxNumbers && (Voters & (1u << number)) != 0;

    /// <summary>True if <paramref name="number"/> is a voter or a learner.</summary>
    public bool IsMember(int number) => number is >= 0 and < MaxNumbers && (All & (1u << number)) != 0;

    /// <summary>True if <paramref name="number"/> was assigned once and is no longer a member: a node removed from the cluster.</summary>
    public bool WasRemoved(int number) => number >= 0 && number < NextNumber && !IsMember(number);

    /// <summary>True if the voters in <paramref name="mask"/> are a majority of this membership's voters.</summary>
    public bool IsQuorum(uint mask) => BitOperations.PopCount(mask & Voters) >= QuorumSize;

    /// <summary>The member numbered <paramref name="number"/>, or null.</summary>
    public Member? Find(int number) => Array.Find(members, member => member.Number == number);

    /// <summary>The member named <paramref name="name"/>, or null.</summary>
    public Member? FindByName(string name) => Array.Find(members, member => member.Name == name);

    /// <summary>This membership as chosen at <paramref name="slot"/>.</summary>
    public Membership At(ulong slot) => new(slot, members, NextNumber);

    /// <summary>True if both have the same members, roles, addresses and next number (the slot aside).</summary>
    public bool ContentEquals(Membership other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return NextNumber == other.NextNumber && members.AsSpan().SequenceEqual(other.members);
    }

    /// <summary>Bound on the encoded size of this membership as a slot's value (paxos.proto's <c>Membership</c>).</summary>
    public long EncodedBound()
    {
        long bytes = 32;
        foreach (Member member in members)
        {
            bytes += 40 + Encoding.UTF8.GetByteCount(member.Name) + Encoding.UTF8.GetByteCount(member.Url);
        }

        return bytes;
    }

    /// <summary>One line per member: <c>NUMBER NAME URL voter|learner</c>.</summary>
    public override string ToString() =>
        $"membership@{Slot} [{string.Join(", ", members.Select(member => $"{member.Number} {member.Name} {member.Url} {(member.IsVoter ? "voter" : "learner")}"))}]";
}
