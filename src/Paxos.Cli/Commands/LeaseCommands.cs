using System.CommandLine;
using System.Globalization;
using Paxos.Client;

namespace Paxos.Cli.Commands;

/// <summary><c>paxos lease grant|keep-alive|revoke</c>: the leases of CONTRACT.md section 1b.</summary>
internal static class LeaseCommands
{
    /// <summary>Each call's deadline, retries at other nodes included.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>After a failed renewal, how long before the next try.</summary>
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(200);

    public static Command Create() => new("lease", "Grant, keep alive and revoke leases; keys put with --lease ID are deleted when their lease expires or is revoked.")
    {
        CreateGrant(),
        CreateKeepAlive(),
        CreateRevoke(),
    };

    /// <summary>A lease id argument: a positive integer.</summary>
    private static Argument<ulong> LeaseId() => new("id") { Description = "The lease's id, as 'paxos lease grant' printed it." };

    private static Command CreateGrant()
    {
        var ttl = new Argument<double>("ttl") { Description = "The time to live in seconds, from 1 to 86400 (fractions allowed)." };
        var endpoints = Endpoints.CreateOption();
        var command = new Command("grant", "Create a lease; prints its id and TTL. It expires TTL after its grant or last keep-alive.") { ttl, endpoints };
        command.SetAction((parse, cancellationToken) =>
        {
            double seconds = parse.GetValue(ttl);
            if (!double.IsFinite(seconds) || seconds * 1000 is < 1_000 or > 86_400_000)
            {
                return Task.FromResult(CliError.Report(CliError.BadUsage, $"ttl {seconds.ToString(CultureInfo.InvariantCulture)} s is outside 1 to 86400 seconds"));
            }
            return ClientCalls.RunAsync(parse.GetValue(endpoints), Deadline, async (client, token) =>
            {
                var grant = await client.GrantLeaseAsync(TimeSpan.FromMilliseconds(Math.Round(seconds * 1000)), cancellationToken: token).ConfigureAwait(false);
                Console.WriteLine($"OK lease={grant.Id} ttl_ms={(long)grant.Ttl.TotalMilliseconds}");
                return CliError.Ok;
            }, cancellationToken);
        });
        return command;
    }

    private static Command CreateKeepAlive()
    {
        var id = LeaseId();
        var endpoints = Endpoints.CreateOption();
        var command = new Command("keep-alive", "Keep a lease alive until Ctrl+C, renewing it every third of its TTL and printing each renewal; exit code 1 once it is gone.") { id, endpoints };
        command.SetAction((parse, cancellationToken) => ClientCalls.RunAsync(parse.GetValue(endpoints), Deadline, async (client, token) =>
        {
            ulong lease = parse.GetValue(id);
            try
            {
                while (true)
                {
                    TimeSpan pause;
                    try
                    {
                        var renewal = await client.KeepLeaseAliveAsync(lease, cancellationToken: token).ConfigureAwait(false);
                        if (!renewal.Found)
                        {
                            return CliError.Report(CliError.Failed, $"lease {lease} not found (it expired or was revoked)");
                        }
                        Console.WriteLine($"renewed lease={lease} ttl_ms={(long)renewal.Ttl.TotalMilliseconds}");
                        pause = renewal.Ttl / 3;
                    }
                    catch (PaxosNoQuorumException e)
                    {
                        // Reported, tried again soon; the lease lives on until its TTL passes.
                        ClientCalls.Report(e);
                        pause = RetryPause;
                    }
                    await Task.Delay(pause, token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return CliError.Ok; // Ctrl+C: stop renewing; the lease expires TTL after the last renewal
            }
        }, cancellationToken));
        return command;
    }

    private static Command CreateRevoke()
    {
        var id = LeaseId();
        var endpoints = Endpoints.CreateOption();
        var command = new Command("revoke", "End a lease now, deleting its keys at one index; prints that index. Exit code 1 if it does not exist.") { id, endpoints };
        command.SetAction((parse, cancellationToken) => ClientCalls.RunAsync(parse.GetValue(endpoints), Deadline, async (client, token) =>
        {
            ulong lease = parse.GetValue(id);
            var reply = await client.RevokeLeaseAsync(lease, cancellationToken: token).ConfigureAwait(false);
            if (!reply.Found)
            {
                return CliError.Report(CliError.Failed, $"lease {lease} not found (it expired or was revoked)");
            }
            Console.WriteLine($"OK index={reply.Index}");
            return CliError.Ok;
        }, cancellationToken));
        return command;
    }
}
