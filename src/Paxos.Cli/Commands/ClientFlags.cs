using System.CommandLine;

namespace Paxos.Cli.Commands;

/// <summary>
/// The client commands' TLS and token flags (CONTRACT.md section 5), as etcdctl has them:
/// <c>--cacert --cert --key</c> and <c>--token</c> (or <c>PAXOS_TOKEN</c>). Options of the root
/// command, so every client command takes them.
/// </summary>
internal sealed record ClientFlags(string? CaCert, string? Cert, string? Key, string? Token)
{
    /// <summary>The environment variable read when <c>--token</c> is not given.</summary>
    public const string TokenVariable = "PAXOS_TOKEN";

    private static readonly Option<FileInfo?> CaCertOption = new("--cacert")
    {
        Description = "Client commands: speak TLS and trust only this CA certificate (PEM) (default: tls.ca of ./data/cluster.yaml when --endpoints is not given).",
        Recursive = true,
    };

    private static readonly Option<FileInfo?> CertOption = new("--cert")
    {
        Description = "Client commands: the client certificate (PEM) to present, with --key (default: the client pair of the tls block of ./data/cluster.yaml).",
        Recursive = true,
    };

    private static readonly Option<FileInfo?> KeyOption = new("--key") { Description = "Client commands: the private key (PEM) of --cert.", Recursive = true };

    private static readonly Option<string?> TokenOption = new("--token")
    {
        Description = $"Client commands: send 'authorization: Bearer TOKEN' (default: ${TokenVariable}, else the first token of auth.tokens of ./data/cluster.yaml when --endpoints is not given).",
        Recursive = true,
    };

    /// <summary>No flags given.</summary>
    public static ClientFlags None { get; } = new(null, null, null, null);

    public static void AddTo(RootCommand root)
    {
        root.Options.Add(CaCertOption);
        root.Options.Add(CertOption);
        root.Options.Add(KeyOption);
        root.Options.Add(TokenOption);
    }

    /// <summary>The flags of a parsed command line, the token from <see cref="TokenVariable"/> if not given.</summary>
    public static ClientFlags Read(ParseResult parse) => new(
        parse.GetValue(CaCertOption)?.FullName,
        parse.GetValue(CertOption)?.FullName,
        parse.GetValue(KeyOption)?.FullName,
        parse.GetValue(TokenOption) ?? NullIfEmpty(Environment.GetEnvironmentVariable(TokenVariable)));

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
