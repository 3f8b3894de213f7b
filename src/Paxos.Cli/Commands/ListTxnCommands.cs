using System.CommandLine;
using Paxos.Client;

namespace Paxos.Cli.Commands;

/// <summary>Client commands of contract section 1b: list and txn.</summary>
internal static class ListTxnCommands
{
    /// <summary>Each call's deadline, retries at other nodes included.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public static Command CreateList()
    {
        var prefix = new Argument<string>("prefix") { Description = "List the keys that start with this (\"\" for every key)." };
        var startAfter = new Option<string>("--start-after") { Description = "Only keys after this one (in UTF-8 byte order).", DefaultValueFactory = _ => "" };
        var limit = new Option<uint>("--limit") { Description = "Print at most this many keys, from one consistent page (default: every key, page after page)." };
        var serializable = new Option<bool>("--serializable") { Description = "Read this node's replica (may be stale) instead of linearizable reads." };
        var endpoints = Endpoints.CreateOption();
        var command = new Command("list", "Print 'KEY<TAB>VALUE' for each key with the prefix, in UTF-8 byte order.") { prefix, startAfter, limit, serializable, endpoints };
        command.SetAction((parse, cancellationToken) =>
        {
            uint limitValue = parse.GetValue(limit);
            if (limitValue > int.MaxValue)
            {
                return Task.FromResult(CliError.Report(CliError.BadUsage, $"--limit {limitValue} is more than {int.MaxValue}"));
            }
            return ClientCalls.RunAsync(parse.GetValue(endpoints), Deadline, async (client, token) =>
            {
                string keyPrefix = parse.GetRequiredValue(prefix);
                string after = parse.GetValue(startAfter) ?? "";
                var consistency = parse.GetValue(serializable) ? ReadConsistency.Serializable : ReadConsistency.Linearizable;
                int left = (int)limitValue;
                while (true)
                {
                    var page = await client.ListAsync(keyPrefix, after, left, consistency, cancellationToken: token).ConfigureAwait(false);
                    foreach (var item in page.Items)
                    {
                        Console.WriteLine($"{item.Key}\t{item.ValueAsString()}");
                    }
                    if (!page.More)
                    {
                        return CliError.Ok;
                    }
                    if (limitValue != 0)
                    {
                        left -= page.Items.Count;
                        if (left == 0)
                        {
                            Console.Error.WriteLine($"more keys follow: continue with --start-after '{page.Items[^1].Key}'");
                            return CliError.Ok;
                        }
                    }
                    after = page.Items[^1].Key;
                }
            }, cancellationToken);
        });
        return command;
    }

    public static Command CreateTxn()
    {
        var compares = new Option<string[]>("--if") { Description = "A compare: 'value(KEY) OP TEXT', 'index(KEY) OP N' or 'exists(KEY) OP true|false', OP one of == != < > (exists: == or !=). Repeatable; all must hold." };
        var success = new Option<string[]>("--then") { Description = "An operation run if every compare holds: 'put KEY VALUE', 'delete KEY' or 'get KEY'. Repeatable, in order." };
        var failure = new Option<string[]>("--else") { Description = "An operation run otherwise. Repeatable, in order." };
        var endpoints = Endpoints.CreateOption();
        var command = new Command("txn", "Run a transaction atomically; prints which branch ran, its index and one line per operation.") { compares, success, failure, endpoints };
        command.SetAction((parse, cancellationToken) =>
        {
            TxnCompare[] conditions;
            TxnSyntax.TxnStep[] then;
            TxnSyntax.TxnStep[] otherwise;
            try
            {
                conditions = [.. (parse.GetValue(compares) ?? []).Select(TxnSyntax.ParseCompare)];
                then = [.. (parse.GetValue(success) ?? []).Select(TxnSyntax.ParseOperation)];
                otherwise = [.. (parse.GetValue(failure) ?? []).Select(TxnSyntax.ParseOperation)];
            }
            catch (FormatException e)
            {
                return Task.FromResult(CliError.Report(CliError.BadUsage, e.Message));
            }
            return ClientCalls.RunAsync(parse.GetValue(endpoints), Deadline, async (client, token) =>
            {
                var reply = await client.TxnAsync(conditions, then.Select(step => step.Operation), otherwise.Select(step => step.Operation), cancellationToken: token).ConfigureAwait(false);
                Console.WriteLine($"OK succeeded={(reply.Succeeded ? "true" : "false")} index={reply.Index}");
                var steps = reply.Succeeded ? then : otherwise;
                for (int i = 0; i < reply.Results.Count; i++)
                {
                    Console.WriteLine(Describe(steps[i], reply.Results[i]));
                }
                return CliError.Ok;
            }, cancellationToken);
        });
        return command;
    }

    private static string Describe(TxnSyntax.TxnStep step, TxnOperationResult result) => step.Verb switch
    {
        "put" => $"put {step.Key} index={result.Index}",
        "delete" => $"delete {step.Key} existed={(result.Found ? "true" : "false")} index={result.Index}",
        _ => result.Found
            ? $"get {step.Key} found=true index={result.Index} value={System.Text.Encoding.UTF8.GetString(result.Value.Span)}"
            : $"get {step.Key} found=false",
    };
}
