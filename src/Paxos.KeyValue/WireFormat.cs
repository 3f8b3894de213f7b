using System.Text;

namespace Paxos.KeyValue;

/// <summary>
/// Sizes of the primitive encodings shared by the command and result codecs: unsigned LEB128
/// varints for lengths, strict UTF-8 for strings (lone surrogates and invalid bytes throw).
/// </summary>
internal static class WireFormat
{
    /// <summary>UTF-8 that throws on lone surrogates (encoding) and invalid bytes (decoding).</summary>
    public static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static int VarUInt32Size(uint value)
    {
        int size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }
        return size;
    }

    /// <summary>Size of a length-prefixed byte string.</summary>
    public static int BytesSize(int length) => VarUInt32Size((uint)length) + length;

    /// <summary>Size of a ballot: its round as a u64, its node as a varint.</summary>
    public static int BallotSize(Paxos.Core.Ballot ballot) => sizeof(ulong) + VarUInt32Size((uint)ballot.NodeId);

    /// <summary>Size of a length-prefixed UTF-8 string; throws <see cref="ArgumentException"/> for invalid UTF-16.</summary>
    public static int StringSize(string value) => BytesSize(StrictUtf8.GetByteCount(value));
}
