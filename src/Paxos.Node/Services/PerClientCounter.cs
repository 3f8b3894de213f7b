using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Paxos.Core;

namespace Paxos.Node.Services;

/// <summary>
/// How many of something (connections, calls, streams) each client holds, and their bytes, against
/// a limit of each per client. A client is an IP address (<see cref="Hosting.ServerLimits"/>), kept
/// as its 16 bytes (<see cref="KeyOf"/>), so counting allocates nothing. Only clients that hold
/// something have an entry, so the table is never larger than the connections open.
/// </summary>
internal sealed class PerClientCounter(long maxCount, long maxBytes = long.MaxValue)
{
    private readonly Dictionary<UInt128, (long Count, long Bytes)> _held = [];

    /// <summary>What a take would pass.</summary>
    public enum Refusal
    {
        /// <summary>Nothing: it was counted.</summary>
        None,

        /// <summary>The client's count.</summary>
        Count,

        /// <summary>The client's bytes.</summary>
        Bytes,
    }

    /// <summary>The count per client.</summary>
    public long MaxCount => maxCount;

    /// <summary>The bytes per client.</summary>
    public long MaxBytes => maxBytes;

    /// <summary>Counts one more, of <paramref name="bytes"/>, for <paramref name="client"/>, unless that passes a limit.</summary>
    public Refusal TryTake(UInt128 client, long bytes)
    {
        Invariant.Check(bytes >= 0, "a client takes negative bytes");
        lock (_held)
        {
            ref var held = ref CollectionsMarshal.GetValueRefOrAddDefault(_held, client, out bool existed);
            var refusal = held.Count + 1 > maxCount ? Refusal.Count : held.Bytes + bytes > maxBytes ? Refusal.Bytes : Refusal.None;
            if (refusal == Refusal.None)
            {
                held = (held.Count + 1, held.Bytes + bytes);
            }
            else if (!existed)
            {
                _held.Remove(client);
            }
            return refusal;
        }
    }

    /// <summary>Gives back one that <see cref="TryTake"/> counted, of <paramref name="bytes"/>.</summary>
    public void Release(UInt128 client, long bytes)
    {
        lock (_held)
        {
            ref var held = ref CollectionsMarshal.GetValueRefOrNullRef(_held, client);
            Invariant.Check(!Unsafe.IsNullRef(ref held) && held.Count >= 1 && held.Bytes >= bytes, "a client gives back more than it took");
            if (held.Count == 1)
            {
                _held.Remove(client);
            }
            else
            {
                held = (held.Count - 1, held.Bytes - bytes);
            }
        }
    }

    /// <summary>
    /// The key of the client at <paramref name="remote"/>: its address as 16 bytes, an IPv4 one in
    /// its IPv6-mapped form, so that it is one client whether it came over IPv4 or a dual-mode socket.
    /// </summary>
    public static UInt128 KeyOf(IPAddress? remote)
    {
        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        var address = remote ?? IPAddress.None;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            bytes[10] = 0xff;
            bytes[11] = 0xff;
            address.TryWriteBytes(bytes[12..], out _);
        }
        else
        {
            address.TryWriteBytes(bytes, out _);
        }
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    /// <summary>
    /// How a message names the client at <paramref name="remote"/>: an IPv4 address as itself whether
    /// it came over IPv4 or as IPv6-mapped; <see cref="IPAddress.None"/> for none (a test host).
    /// </summary>
    public static IPAddress ClientOf(IPAddress? remote) =>
        remote is null ? IPAddress.None : remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
}
