using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Paxos.Transport.Security;

namespace Paxos.Bench;

/// <summary>The options of <c>paxos bench</c> and their binding to <see cref="BenchSettings"/>.</summary>
internal sealed class BenchOptions
{
    public Option<string> Workload { get; } = Choice<Workload>("--workload",
        "What each request does: put, get, mixed (gets and puts), cas, txn (a transaction: compare the key's index, then put) or keepalive (renew one of --keys leases granted before the run).",
        Bench.Workload.Put);

    public Option<string> Target { get; } = Choice<BenchTarget>("--target", "The kind of cluster.", BenchTarget.Paxos);

    public Option<string?> Endpoints { get; } = new("--endpoints") { Description = $"Comma-separated client URLs (default for paxos: the nodes of ./{EndpointList.DefaultClusterFile}; required for etcd)." };

    public Option<int> Clients { get; } = new("--clients") { Description = "Requests in flight at once, over min(clients, 4 x endpoints) gRPC channels.", DefaultValueFactory = _ => 16 };

    public Option<double> Duration { get; } = new("--duration") { Description = "Seconds measured.", DefaultValueFactory = _ => 10 };

    public Option<double> Warmup { get; } = new("--warmup") { Description = "Seconds of load before the measurement.", DefaultValueFactory = _ => 2 };

    public Option<int> Keys { get; } = new("--keys") { Description = "How many distinct keys.", DefaultValueFactory = _ => 1000 };

    public Option<int> ValueSize { get; } = new("--value-size") { Description = "Bytes per written value.", DefaultValueFactory = _ => 100 };

    public Option<string> Consistency { get; } = Choice<ReadConsistency>("--consistency", "How reads are served.", ReadConsistency.Linearizable);

    public Option<double> ReadRatio { get; } = new("--read-ratio") { Description = "Share of reads in the mixed workload, 0 to 1.", DefaultValueFactory = _ => 0.9 };

    public Option<double> Timeout { get; } = new("--timeout") { Description = "Deadline of every request, in seconds.", DefaultValueFactory = _ => 5 };

    public Option<string> Balance { get; } = Choice<BenchBalance>("--balance",
        "How requests are spread over the endpoints: request (each request to the next endpoint in turn, as etcd's client does), client (each client keeps one endpoint) or leader (paxos only: PaxosClient sends writes to the leader it learns).",
        BenchBalance.Request);

    public void AddTo(Command command)
    {
        command.Options.Add(Workload);
        command.Options.Add(Target);
        command.Options.Add(Endpoints);
        command.Options.Add(Clients);
        command.Options.Add(Duration);
        command.Options.Add(Warmup);
        command.Options.Add(Keys);
        command.Options.Add(ValueSize);
        command.Options.Add(Consistency);
        command.Options.Add(ReadRatio);
        command.Options.Add(Timeout);
        command.Options.Add(Balance);
    }

    /// <summary>The validated settings of a parsed command line; throws <see cref="BenchUsageException"/> if they are not valid.</summary>
    /// <param name="parse">The command line.</param>
    /// <param name="credentials">Reads the TLS and token settings from the command line (the CLI's <c>--cacert --cert --key --token</c>); null: none.</param>
    public BenchSettings Bind(ParseResult parse, Func<ParseResult, BenchCredentials>? credentials = null)
    {
        if (parse.Errors.Count > 0)
        {
            throw new BenchUsageException(parse.Errors[0].Message);
        }
        var target = Enum.Parse<BenchTarget>(parse.GetRequiredValue(Target), ignoreCase: true);
        string? endpoints = parse.GetValue(Endpoints);
        IReadOnlyList<Uri> urls = !string.IsNullOrWhiteSpace(endpoints)
            ? EndpointList.Parse(endpoints)
            : target is BenchTarget.Paxos
                ? EndpointList.FromClusterFile(EndpointList.DefaultClusterFile)
                : throw new BenchUsageException("--endpoints is required with --target etcd");
        var (security, ca, certificate) = Load(credentials?.Invoke(parse) ?? BenchCredentials.None);
        var settings = new BenchSettings(
            Enum.Parse<Workload>(parse.GetRequiredValue(Workload), ignoreCase: true), target, urls, parse.GetValue(Clients),
            Seconds(parse.GetValue(Duration), "--duration"), Seconds(parse.GetValue(Warmup), "--warmup"),
            parse.GetValue(Keys), parse.GetValue(ValueSize), Enum.Parse<ReadConsistency>(parse.GetRequiredValue(Consistency), ignoreCase: true), parse.GetValue(ReadRatio),
            Seconds(parse.GetValue(Timeout), "--timeout"),
            Enum.Parse<BenchBalance>(parse.GetRequiredValue(Balance), ignoreCase: true))
        {
            Security = security,
            CaCertificate = ca,
            ClientCertificate = certificate,
        };
        settings.Validate();
        return settings;
    }

    /// <summary>Reads the certificate files once, so that the run measures handshakes and calls, not file reads: for the channels, and the CA and certificate for <c>PaxosClient</c>.</summary>
    private static (ClientSecurity Security, X509Certificate2? Ca, X509Certificate2? Certificate) Load(BenchCredentials credentials)
    {
        try
        {
            var security = ClientSecurity.Load(credentials.CaCert, credentials.Cert, credentials.Key, credentials.Token);
            return (security,
                credentials.CaCert is null ? null : ClusterCertificates.LoadCa(credentials.CaCert)[0],
                credentials.Cert is null || credentials.Key is null ? null : ClusterCertificates.LoadPair(credentials.Cert, credentials.Key));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            throw new BenchUsageException($"--cacert/--cert/--key: {e.Message}");
        }
    }

    /// <summary>An option that takes one of the lower-case names of <typeparamref name="T"/>'s values.</summary>
    private static Option<string> Choice<T>(string name, string description, T defaultValue) where T : struct, Enum
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => BenchSettings.Name(defaultValue) };
        option.AcceptOnlyFromAmong([.. Enum.GetValues<T>().Select(BenchSettings.Name)]);
        return option;
    }

    private static TimeSpan Seconds(double value, string option) =>
        double.IsFinite(value) && value is >= 0 and <= 86_400
            ? TimeSpan.FromSeconds(value)
            : throw new BenchUsageException($"{option} must be a number of seconds (got {value})");
}
