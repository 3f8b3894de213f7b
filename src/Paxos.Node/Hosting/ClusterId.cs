using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Paxos.Node.Configuration;

namespace Paxos.Node.Hosting;

/// <summary>
/// The 128-bit id of a cluster, fixed when the cluster is founded and kept in every node's data
/// directory (<see cref="ClusterIdFile"/>). Every peer call carries it, and a node refuses peers
/// that present another (<see cref="Services.PeerGate"/>): a node of another cluster never takes
/// part, even with a certificate from the same CA. Written as 32 lowercase hex digits.
/// </summary>
public readonly record struct ClusterId(UInt128 Value)
{
    /// <summary>The number of hex digits of <see cref="ToString"/>.</summary>
    public const int HexLength = 32;

    /// <summary>
    /// The id a new cluster is founded with: the first 128 bits of the SHA-256 of the file's
    /// <see cref="ClusterConfig.ClusterToken"/> and its nodes' ids and urls in file order (the
    /// order numbers the nodes in ballots, so files that differ in it found different clusters).
    /// Every founding node computes it alone and they agree, as etcd's members do from its
    /// <c>--initial-cluster-token</c> and initial member list. It is computed only when a data
    /// directory has no id yet; after that the stored id stands, whatever the members become.
    /// </summary>
    public static ClusterId Founding(ClusterConfig config)
    {
        var text = new StringBuilder("paxos cluster v1\n");
        text.Append(config.ClusterToken).Append('\n');
        foreach (var node in config.Nodes)
        {
            text.Append(node.Id).Append(' ').Append(node.Url.GetLeftPart(UriPartial.Authority)).Append('\n');
        }
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return new ClusterId(BinaryPrimitives.ReadUInt128BigEndian(hash));
    }

    /// <summary>Reads the 32 hex digits of <see cref="ToString"/>; false for anything else.</summary>
    public static bool TryParse(string? text, out ClusterId id)
    {
        id = default;
        if (text is not { Length: HexLength } || !text.All(char.IsAsciiHexDigit)
            || !UInt128.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }
        id = new ClusterId(value);
        return true;
    }

    /// <summary>The id as 32 hexadecimal digits.</summary>
    public override string ToString() => Value.ToString("x32", CultureInfo.InvariantCulture);
}
