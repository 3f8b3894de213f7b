using Google.Protobuf;
using Grpc.Core;
using Paxos.KeyValue;
using Paxos.Transport.V1;

namespace Paxos.Node.Services;

/// <summary>
/// Between the wire's <see cref="TxnRequest"/> and <see cref="TxnResponse"/> and the state
/// machine's <see cref="TxnCommand"/> and <see cref="TxnResult"/>; a put's lease_id is kept. An operation that sets none of
/// put, delete and get is refused with INVALID_ARGUMENT here; every other limit is
/// <see cref="KeyValueLimits.ValidateCommand"/>'s. The client ids and request ids inside operations,
/// and a get's consistency, are ignored: the transaction is exactly-once as a whole, and its gets
/// read at its index.
/// </summary>
internal static class TxnTranslation
{
    public static TxnCommand ToCommand(TxnRequest request)
    {
        var compares = new List<TxnCompare>(request.Compare.Count);
        foreach (var compare in request.Compare)
        {
            var op = (CompareOperator)compare.Op;
            compares.Add(compare.Target switch
            {
                Compare.Types.Target.Value => TxnCompare.OnValue(compare.Key, op, compare.Value.ToByteArray()),
                Compare.Types.Target.Index => TxnCompare.OnIndex(compare.Key, op, compare.Index),
                Compare.Types.Target.Exists => TxnCompare.OnExists(compare.Key, op, compare.Exists),
                _ => throw Invalid($"compare {compares.Count}: target {(int)compare.Target} is not a Compare.Target value"),
            });
        }
        return new TxnCommand(compares, Operations(request.Success, "success"), Operations(request.Failure, "failure"), request.ClientId, request.RequestId);
    }

    public static TxnResponse ToResponse(TxnResult result)
    {
        var response = new TxnResponse { Succeeded = result.Succeeded, Index = result.Index };
        foreach (var operation in result.Results)
        {
            response.Results.Add(operation switch
            {
                PutResult put => new TxnOpResult { Put = new PutResponse { Index = put.Index } },
                DeleteResult delete => new TxnOpResult { Delete = new DeleteResponse { Existed = delete.Existed, Index = delete.Index } },
                GetResult get => new TxnOpResult { Get = new GetResponse { Found = get.Found, Value = ByteString.CopyFrom(get.Value.Span), Index = get.Index } },
                _ => throw new InvalidOperationException($"a transaction answered with {operation.GetType().Name}"),
            });
        }
        return response;
    }

    private static List<TxnOperation> Operations(Google.Protobuf.Collections.RepeatedField<TxnOp> operations, string branch)
    {
        var translated = new List<TxnOperation>(operations.Count);
        foreach (var operation in operations)
        {
            translated.Add(operation.OpCase switch
            {
                TxnOp.OpOneofCase.Put => new TxnPut(operation.Put.Key, operation.Put.Value.ToByteArray(), operation.Put.LeaseId),
                TxnOp.OpOneofCase.Delete => new TxnDelete(operation.Delete.Key),
                TxnOp.OpOneofCase.Get => new TxnGet(operation.Get.Key),
                _ => throw Invalid($"{branch} operation {translated.Count} sets none of put, delete and get"),
            });
        }
        return translated;
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
