using System.Security.Cryptography;
using System.Text;
using Paxos.Node.Configuration;

namespace Paxos.Node.Security;

/// <summary>
/// The client tokens of <c>auth.tokens</c>: one <c>NAME TOKEN</c> a line (blank lines and lines
/// starting with <c>#</c> skipped). A presented token is compared with every known one in constant
/// time, by their SHA-256 digests, so neither its content nor its length shows in the time taken.
/// </summary>
public sealed class ClientTokens
{
    /// <summary>The most tokens a file may hold: every call compares against all of them.</summary>
    public const int MaxTokens = 1000;

    /// <summary>The shortest token accepted: 16 characters.</summary>
    public const int MinTokenLength = 16;

    private readonly byte[][] _digests;

    private ClientTokens(byte[][] digests) => _digests = digests;

    /// <summary>How many tokens there are.</summary>
    public int Count => _digests.Length;

    /// <summary>The tokens of a file's text; a <see cref="ConfigException"/> names the first line that is not usable.</summary>
    public static ClientTokens Parse(string text, string source)
    {
        var digests = new List<byte[]>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            string[] fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 2)
            {
                throw new ConfigException($"{source} line {i + 1}: expected 'NAME TOKEN', found {fields.Length} field(s)");
            }
            if (!names.Add(fields[0]))
            {
                throw new ConfigException($"{source} line {i + 1}: the name '{fields[0]}' appears twice");
            }
            if (fields[1].Length < MinTokenLength)
            {
                throw new ConfigException($"{source} line {i + 1}: the token of '{fields[0]}' has {fields[1].Length} characters; at least {MinTokenLength} are needed");
            }
            digests.Add(SHA256.HashData(Encoding.UTF8.GetBytes(fields[1])));
        }
        if (digests.Count is 0 or > MaxTokens)
        {
            throw new ConfigException($"{source}: holds {digests.Count} tokens; 1 to {MaxTokens} are needed");
        }
        return new ClientTokens([.. digests]);
    }

    /// <summary>The token on the first line of a tokens file's <paramref name="text"/> (what a joining node asks the cluster with), or null if it has none.</summary>
    public static string? First(string text) =>
        text.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).FirstOrDefault(fields => fields.Length == 2)?[1];

    /// <summary>Writes a tokens file of one new random token (256 bits, base64url) named <paramref name="name"/>, readable by its owner only; returns the token.</summary>
    public static string WriteNew(string path, string name)
    {
        string token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        FileReplacement.Write(path, $"{name} {token}\n", secret: true);
        return token;
    }

    /// <summary>Whether <paramref name="authorization"/> is <c>Bearer TOKEN</c> with a known token.</summary>
    public bool Accepts(string? authorization)
    {
        const string Scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        Span<byte> presented = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(authorization.AsSpan(Scheme.Length).Trim().ToString()), presented);
        bool known = false;
        foreach (byte[] digest in _digests)
        {
            known |= CryptographicOperations.FixedTimeEquals(digest, presented); // no early exit: every token is compared
        }
        return known;
    }
}
