using System.Diagnostics;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Paxos.Node.Hosting;
using Paxos.Transport.V1;
using Prometheus;

namespace Paxos.Node.Services;

/// <summary>
/// Binds <see cref="KeyValueGrpcService"/>'s methods to the routes of CONTRACT.md's KeyValueService
/// (the generated binding's names and message types), with one difference: a request that does not
/// parse (a string field that is not UTF-8, a truncated field) is rejected with INVALID_ARGUMENT and
/// the parser's reason, where the generated marshaller's exception would surface as UNKNOWN. Every
/// call of Put, Get, Delete, CompareAndSwap, List and Txn is timed into <see cref="NodeMetrics"/>.
/// </summary>
internal sealed class KeyValueMethodProvider(NodeMetrics metrics) : IServiceMethodProvider<KeyValueGrpcService>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<KeyValueGrpcService> context)
    {
        Add(context, "Put", PutRequest.Parser, Timed<PutRequest, PutResponse>(metrics.Put, (service, request, call) => service.Put(request, call)));
        Add(context, "Get", GetRequest.Parser, Timed<GetRequest, GetResponse>(metrics.Get, (service, request, call) => service.Get(request, call)));
        Add(context, "Delete", DeleteRequest.Parser, Timed<DeleteRequest, DeleteResponse>(metrics.Delete, (service, request, call) => service.Delete(request, call)));
        Add(context, "CompareAndSwap", CompareAndSwapRequest.Parser,
            Timed<CompareAndSwapRequest, CompareAndSwapResponse>(metrics.CompareAndSwap, (service, request, call) => service.CompareAndSwap(request, call)));
        Add<GetLeaderRequest, GetLeaderResponse>(context, "GetLeader", GetLeaderRequest.Parser, (service, request, call) => service.GetLeader(request, call));
        Add(context, "List", ListRequest.Parser, Timed<ListRequest, ListResponse>(metrics.List, (service, request, call) => service.List(request, call)));
        Add(context, "Txn", TxnRequest.Parser, Timed<TxnRequest, TxnResponse>(metrics.Txn, (service, request, call) => service.Txn(request, call)));
    }

    /// <summary><paramref name="invoker"/>, with the time from its start to its end (answer or error) observed in <paramref name="duration"/>.</summary>
    private static UnaryServerMethod<KeyValueGrpcService, TRequest, TResponse> Timed<TRequest, TResponse>(
        Histogram.Child duration, UnaryServerMethod<KeyValueGrpcService, TRequest, TResponse> invoker)
        where TRequest : class
        where TResponse : class =>
        (service, request, call) =>
        {
            long start = Stopwatch.GetTimestamp();
            Task<TResponse> answer;
            try
            {
                answer = invoker(service, request, call);
            }
            catch
            {
                duration.Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
                throw;
            }
            return answer.IsCompleted ? Observed(answer, duration, start) : ObserveAsync(answer, duration, start);
        };

    private static Task<TResponse> Observed<TResponse>(Task<TResponse> answer, Histogram.Child duration, long start)
    {
        duration.Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
        return answer;
    }

    private static async Task<TResponse> ObserveAsync<TResponse>(Task<TResponse> answer, Histogram.Child duration, long start)
    {
        try
        {
            return await answer.ConfigureAwait(false);
        }
        finally
        {
            duration.Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }

    private static void Add<TRequest, TResponse>(ServiceMethodProviderContext<KeyValueGrpcService> context, string name, MessageParser<TRequest> parser,
        UnaryServerMethod<KeyValueGrpcService, TRequest, TResponse> invoker)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var method = new Method<TRequest, TResponse>(MethodType.Unary, KeyValueService.Descriptor.FullName, name, RequestMarshaller(parser), ResponseMarshaller<TResponse>());
        context.AddUnaryMethod(method, [], invoker);
    }

    private static Marshaller<TRequest> RequestMarshaller<TRequest>(MessageParser<TRequest> parser)
        where TRequest : class, IMessage<TRequest> =>
        Marshallers.Create<TRequest>(Serialize, payload =>
        {
            try
            {
                return parser.ParseFrom(payload.PayloadAsReadOnlySequence());
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"the {typeof(TRequest).Name} does not parse: {e.Message}"));
            }
        });

    private static Marshaller<TResponse> ResponseMarshaller<TResponse>()
        where TResponse : class, IMessage<TResponse> =>
        Marshallers.Create<TResponse>(Serialize, _ => throw new NotSupportedException("the server only writes responses"));

    private static void Serialize<T>(T message, SerializationContext context)
        where T : class, IMessage<T>
    {
        context.SetPayloadLength(message.CalculateSize());
        message.WriteTo(context.GetBufferWriter());
        context.Complete();
    }
}
