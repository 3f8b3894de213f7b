using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Paxos.Transport.Security;

namespace Paxos.Bench;

/// <summary>The validated settings of one benchmark run.</summary>
/// <param name="Workload">What each request does.</param>
/// <param name="Target">The kind of cluster.</param>
/// <param name="Endpoints">The cluster's client URLs; the channels are spread over all of them.</param>
/// <param name="Clients">How many requests are in flight at once.</param>
/// <param name="Duration">How long the measured part of the run lasts.</param>
/// <param name="Warmup">How long requests run, unmeasured, before it.</param>
/// <param name="Keys">How many distinct keys the requests use.</param>
/// <param name="ValueSize">The size of every written value, in bytes.</param>
/// <param name="Consistency">How reads are served.</param>
/// <param name="ReadRatio">The share of reads in the mixed workload, from 0 to 1.</param>
/// <param name="RequestTimeout">The deadline of every request.</param>
/// <param name="Balance">How requests are spread over the endpoints.</param>
public sealed record BenchSettings(
    Workload Workload,
    BenchTarget Target,
    IReadOnlyList<Uri> Endpoints,
    int Clients,
    TimeSpan Duration,
    TimeSpan Warmup,
    int Keys,
    int ValueSize,
    ReadConsistency Consistency,
    double ReadRatio,
    TimeSpan RequestTimeout,
    BenchBalance Balance)
{
    /// <summary>TLS and the token of every request; <c>ClientSecurity.None</c>: plain HTTP/2 (or the machine's trust for https://), no token.</summary>
    internal ClientSecurity Security { get; init; } = ClientSecurity.None;

    /// <summary>The cluster's CA, for <c>PaxosClient</c> (<see cref="Security"/> holds it for the other channels); null: none.</summary>
    internal X509Certificate2? CaCertificate { get; init; }

    /// <summary>The client certificate presented, for <c>PaxosClient</c>; null: none.</summary>
    internal X509Certificate2? ClientCertificate { get; init; }

    /// <summary>The most leases the keepalive workload grants (<c>--keys</c>), all before the run.</summary>
    public const int MaxLeases = 100_000;

    /// <summary>The largest value the Paxos API accepts (CONTRACT.md section 1), also the limit here.</summary>
    public const int MaxValueSize = 1024 * 1024;

    /// <summary>
    /// How many gRPC channels carry the requests: at most four per endpoint. With
    /// <see cref="BenchBalance.Client"/>, never more than the clients (each client keeps one); with
    /// <see cref="BenchBalance.Request"/>, the same number to every endpoint, at least one each.
    /// </summary>
    public int ChannelCount => Balance is BenchBalance.Client
        ? Math.Min(Clients, 4 * Endpoints.Count)
        : Endpoints.Count * Math.Clamp((Clients + Endpoints.Count - 1) / Endpoints.Count, 1, 4);

    /// <summary>How long the keepalive workload's leases live unrenewed: the whole run and a minute, so that none expires while it runs.</summary>
    public TimeSpan LeaseTtl => Warmup + Duration + TimeSpan.FromMinutes(1);

    /// <summary>Whether this run reads at all (and so whether its consistency matters).</summary>
    public bool Reads => Workload is Workload.Get || (Workload is Workload.Mixed && ReadRatio > 0);

    /// <summary>Throws <see cref="BenchUsageException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (Endpoints.Count == 0)
        {
            throw new BenchUsageException("no endpoints given");
        }
        Check(Clients is >= 1 and <= 10_000, $"--clients must be between 1 and 10000 (got {Clients})");
        Check(Duration > TimeSpan.Zero && Duration <= TimeSpan.FromHours(1), $"--duration must be between 1 and 3600 seconds (got {Duration.TotalSeconds})");
        Check(Warmup >= TimeSpan.Zero && Warmup <= TimeSpan.FromHours(1), $"--warmup must be between 0 and 3600 seconds (got {Warmup.TotalSeconds})");
        Check(Keys is >= 1 and <= 10_000_000, $"--keys must be between 1 and 10000000 (got {Keys})");
        Check(ValueSize is >= 1 and <= MaxValueSize, $"--value-size must be between 1 and {MaxValueSize} bytes (got {ValueSize})");
        Check(ReadRatio is >= 0 and <= 1, $"--read-ratio must be between 0 and 1 (got {ReadRatio.ToString(CultureInfo.InvariantCulture)})");
        Check(Workload is not Workload.KeepAlive || Keys <= MaxLeases, $"--keys is the number of leases of the keepalive workload: at most {MaxLeases} (got {Keys})");
        Check(Balance is not BenchBalance.Leader || Target is BenchTarget.Paxos, "--balance leader is PaxosClient's leader awareness: --target paxos only");
        Check(RequestTimeout > TimeSpan.Zero && RequestTimeout <= TimeSpan.FromMinutes(5), $"--timeout must be between 1 and 300 seconds (got {RequestTimeout.TotalSeconds})");
    }

    /// <summary>The <c>paxos bench</c> command line that repeats this run.</summary>
    public string ToCommandLine()
    {
        var args = new List<string>
        {
            "paxos bench",
            "--workload " + Name(Workload),
            "--target " + Name(Target),
            "--endpoints " + string.Join(',', Endpoints.Select(e => e.OriginalString)),
            "--clients " + Clients.ToString(CultureInfo.InvariantCulture),
            "--duration " + Duration.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            "--warmup " + Warmup.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            "--keys " + Keys.ToString(CultureInfo.InvariantCulture),
            "--value-size " + ValueSize.ToString(CultureInfo.InvariantCulture),
            "--balance " + Name(Balance),
        };
        if (Workload is Workload.Mixed)
        {
            args.Add("--read-ratio " + ReadRatio.ToString(CultureInfo.InvariantCulture));
        }
        if (Reads)
        {
            args.Add("--consistency " + Name(Consistency));
        }
        return string.Join(' ', args);
    }

    /// <summary>The lower-case name of an option value, as typed on the command line.</summary>
    public static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static void Check(bool ok, string message)
    {
        if (!ok)
        {
            throw new BenchUsageException(message);
        }
    }
}
