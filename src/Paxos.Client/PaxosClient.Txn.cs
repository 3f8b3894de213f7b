using V1 = Paxos.Transport.V1;

namespace Paxos.Client;

public sealed partial class PaxosClient
{
    /// <summary>
    /// A transaction, atomic at one index and exactly once like any write: if every compare holds,
    /// the <paramref name="success"/> operations run, else the <paramref name="failure"/> ones.
    /// At most 128 compares and 128 operations per branch; a key at most once put or deleted per branch.
    /// </summary>
    /// <param name="compares">The conditions.</param>
    /// <param name="success">Run when every compare holds.</param>
    /// <param name="failure">Run otherwise.</param>
    /// <param name="timeout">The call's overall deadline, retries included; <see cref="PaxosClientOptions.Timeout"/> if null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<TxnResult> TxnAsync(IEnumerable<TxnCompare> compares, IEnumerable<TxnOperation> success, IEnumerable<TxnOperation> failure,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(compares);
        ArgumentNullException.ThrowIfNull(success);
        ArgumentNullException.ThrowIfNull(failure);
        var request = new V1.TxnRequest();
        request.Compare.AddRange(compares.Select(c => c.Wire));
        request.Success.AddRange(success.Select(o => o.Wire));
        request.Failure.AddRange(failure.Select(o => o.Wire));
        return WriteAsync("transaction", request, static (request, clientId, requestId) =>
        {
            request.ClientId = clientId;
            request.RequestId = requestId;
        }, static async (client, request, options) =>
        {
            var reply = await client.TxnAsync(request, options).ConfigureAwait(false);
            return new TxnResult(reply.Succeeded, [.. reply.Results.Select(Result)], reply.Index);
        }, timeout, cancellationToken);
    }

    private static TxnOperationResult Result(V1.TxnOpResult result) => result.ResultCase switch
    {
        V1.TxnOpResult.ResultOneofCase.Put => new TxnOperationResult(true, ReadOnlyMemory<byte>.Empty, result.Put.Index),
        V1.TxnOpResult.ResultOneofCase.Delete => new TxnOperationResult(result.Delete.Existed, ReadOnlyMemory<byte>.Empty, result.Delete.Index),
        _ => new TxnOperationResult(result.Get.Found, result.Get.Value.Memory, result.Get.Index),
    };
}
