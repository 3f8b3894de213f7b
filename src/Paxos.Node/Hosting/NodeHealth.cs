using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Paxos.Node.Replication;

namespace Paxos.Node.Hosting;

/// <summary>
/// The node's liveness and readiness, from its replica's <see cref="ReplicaStatus"/>: served as
/// <c>/healthz</c> and <c>/readyz</c> on the metrics port and as the standard gRPC health service
/// (<c>grpc.health.v1.Health</c>) on the node's port.
/// </summary>
internal sealed class NodeHealth(Func<ReplicaStatus> status, Func<int, string> nameOf, TimeSpan electionTimeout)
{
    /// <summary>The tag of the liveness check.</summary>
    public const string LiveTag = "live";

    /// <summary>The tag of the readiness check.</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// The replica's loop takes a status at least once a tick; one older than this means the loop
    /// ended or is stuck (an fsync that does not return, a deadlock).
    /// </summary>
    public static readonly TimeSpan LoopStallLimit = TimeSpan.FromSeconds(5);

    /// <summary>A node that has applied more than this many slots less than its leader's commit index is catching up, not ready.</summary>
    public const ulong MaxLagSlots = 100;

    /// <summary>Why the node is not live, or null when its loop runs.</summary>
    public string? NotLive()
    {
        var current = status();
        return NotLive(current, Stopwatch.GetElapsedTime(current.Taken));
    }

    /// <summary>Why the node is not ready to serve, or null when it is.</summary>
    public string? NotReady()
    {
        var current = status();
        return NotLive(current, Stopwatch.GetElapsedTime(current.Taken)) ?? NotReady(current, nameOf, electionTimeout);
    }

    /// <summary>Why a replica whose status is <paramref name="age"/> old is not live, or null.</summary>
    public static string? NotLive(ReplicaStatus current, TimeSpan age) => age > LoopStallLimit
        ? $"the replica's loop has not run for {age.TotalSeconds:0.0} s (last at applied slot {current.AppliedIndex})"
        : null;

    /// <summary>
    /// Why a node in <paramref name="current"/> is not ready: it knows no leader, has not heard from
    /// it for <paramref name="timeout"/> (an election timeout), or has applied more than
    /// <see cref="MaxLagSlots"/> slots less than the leader's commit index. Null when it is ready.
    /// </summary>
    public static string? NotReady(ReplicaStatus current, Func<int, string> nameOf, TimeSpan timeout)
    {
        if (current.LeaderId < 0)
        {
            return "no leader known";
        }
        string leader = nameOf(current.LeaderId);
        if (current.LeaderSilence >= timeout)
        {
            return $"not heard from the leader {leader} for an election timeout ({timeout.TotalMilliseconds:0} ms)";
        }
        if (current.AppliedIndex + MaxLagSlots < current.LeaderCommitIndex)
        {
            return $"catching up: applied slot {current.AppliedIndex} of the leader {leader}'s commit index {current.LeaderCommitIndex}";
        }
        return null;
    }

    public HealthCheckResult CheckLive() => Result(NotLive());

    public HealthCheckResult CheckReady() => Result(NotReady());

    private static HealthCheckResult Result(string? problem) =>
        problem is null ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(problem);

    /// <summary>Writes "ok", or the first failed check's reason, as one line of text.</summary>
    public static Task WriteOneLine(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        string line = report.Status == HealthStatus.Healthy
            ? "ok"
            : report.Entries.Values.First(entry => entry.Status != HealthStatus.Healthy).Description ?? "unhealthy";
        return context.Response.WriteAsync(line + "\n");
    }
}
