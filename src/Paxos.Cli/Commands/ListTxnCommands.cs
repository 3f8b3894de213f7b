using System.CommandLine;
using System.Text;
using Paxos.Transport.V1;

namespace Paxos.Cli.Commands;

/// <summary>Client commands of contract section 1b: list and txn.</summary>
internal static class ListTxnCommands
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public static Command CreateList()
    {
        var prefix = new Argument<string>("prefix") { Description = "List the keys that start with this (\"\" for every key)." };
        var startAfter = new Option<string>("--start-after") { Description = "Only keys after this one (in UTF-8 byte order).", DefaultValueFactory = _ => "" };
        var limit = new Option<uint>("--limit") { Description = "Print at most this many keys, from one consistent page (default: every key, page after page)." };
        var serializable = new Option<bool>("--serializable") { Description = "Read this node's replica (may be stale) instead of linearizable reads." };
        var endpoints = Endpoints.CreateOption();
        var command = new Command("list", "Print 'KEY<TAB>VALUE' for each key with the prefix, in UTF-8 byte order.") { prefix, startAfter, limit, serializable, endpoints };
        command.SetAction((parse, cancellationToken) => Run(parse.GetValue(endpoints), async (client, token) =>
        {
            var request = new ListRequest
            {
                Prefix = parse.GetRequiredValue(prefix),
                StartAfter = parse.GetValue(startAfter) ?? "",
                Limit = parse.GetValue(limit),
                Consistency = parse.GetValue(serializable) ? ReadConsistency.Serializable : ReadConsistency.Linearizable,
            };
            uint left = request.Limit;
            while (true)
            {
                var page = await client.ListAsync(request, deadline: DateTime.UtcNow + Deadline, cancellationToken: token).ConfigureAwait(false);
                foreach (var item in page.Items)
                {
                    Console.WriteLine($"{item.Key}\t{Encoding.UTF8.GetString(item.Value.Span)}");
                }
                if (!page.More)
                {
                    return CliError.Ok;
                }
                if (request.Limit != 0)
                {
                    left -= (uint)page.Items.Count;
                    if (left == 0)
                    {
                        Console.Error.WriteLine($"more keys follow: continue with --start-after '{page.Items[^1].Key}'");
                        return CliError.Ok;
                    }
                    request.Limit = left;
                }
                request.StartAfter = page.Items[^1].Key;
            }
        }, cancellationToken));
        return command;
    }

    public static Command CreateTxn()
    {
        var compares = new Option<string[]>("--if") { Description = "A compare: 'value(KEY) OP TEXT', 'index(KEY) OP N' or 'exists(KEY) OP true|false', OP one of == != < >. Repeatable; all must hold." };
        var success = new Option<string[]>("--then") { Description = "An operation run if every compare holds: 'put KEY VALUE', 'delete KEY' or 'get KEY'. Repeatable, in order." };
        var failure = new Option<string[]>("--else") { Description = "An operation run otherwise. Repeatable, in order." };
        var endpoints = Endpoints.CreateOption();
        var command = new Command("txn", "Run a transaction atomically; prints which branch ran, its index and one line per operation.") { compares, success, failure, endpoints };
        command.SetAction((parse, cancellationToken) =>
        {
            var request = new TxnRequest { ClientId = "cli-" + Guid.NewGuid().ToString("N"), RequestId = 1 };
            string[] thenTexts = parse.GetValue(success) ?? [];
            string[] elseTexts = parse.GetValue(failure) ?? [];
            try
            {
                request.Compare.AddRange((parse.GetValue(compares) ?? []).Select(TxnSyntax.ParseCompare));
                request.Success.AddRange(thenTexts.Select(TxnSyntax.ParseOperation));
                request.Failure.AddRange(elseTexts.Select(TxnSyntax.ParseOperation));
            }
            catch (FormatException e)
            {
                return Task.FromResult(CliError.Report(CliError.BadUsage, e.Message));
            }
            return Run(parse.GetValue(endpoints), async (client, token) =>
            {
                var reply = await client.TxnAsync(request, deadline: DateTime.UtcNow + Deadline, cancellationToken: token).ConfigureAwait(false);
                Console.WriteLine($"OK succeeded={(reply.Succeeded ? "true" : "false")} index={reply.Index}");
                var operations = reply.Succeeded ? request.Success : request.Failure;
                for (int i = 0; i < reply.Results.Count; i++)
                {
                    Console.WriteLine(Describe(operations[i], reply.Results[i]));
                }
                return CliError.Ok;
            }, cancellationToken);
        });
        return command;
    }

    private static string Describe(TxnOp operation, TxnOpResult result) => result.ResultCase switch
    {
        TxnOpResult.ResultOneofCase.Put => $"put {operation.Put.Key} index={result.Put.Index}",
        TxnOpResult.ResultOneofCase.Delete => $"delete {operation.Delete.Key} existed={(result.Delete.Existed ? "true" : "false")} index={result.Delete.Index}",
        _ => result.Get.Found
            ? $"get {operation.Get.Key} found=true index={result.Get.Index} value={Encoding.UTF8.GetString(result.Get.Value.Span)}"
            : $"get {operation.Get.Key} found=false",
    };

    private static Task<int> Run(string? endpoints, Func<KeyValueService.KeyValueServiceClient, CancellationToken, Task<int>> call, CancellationToken cancellationToken) =>
        Endpoints.CallFirstAvailableAsync(endpoints, channel => new KeyValueService.KeyValueServiceClient(channel), call, cancellationToken);
}
