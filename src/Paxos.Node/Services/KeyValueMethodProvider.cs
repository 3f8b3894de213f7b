using System.Buffers;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Paxos.Transport.V1;

namespace Paxos.Node.Services;

/// <summary>
/// Binds <see cref="KeyValueGrpcService"/>'s methods to the routes of CONTRACT.md's KeyValueService
/// (the generated binding's names and message types), with one difference: a request that does not
/// parse (a string field that is not UTF-8, a truncated field) is rejected with INVALID_ARGUMENT and
/// the parser's reason, where the generated marshaller's exception would surface as UNKNOWN.
/// </summary>
internal sealed class KeyValueMethodProvider : IServiceMethodProvider<KeyValueGrpcService>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<KeyValueGrpcService> context)
    {
        Add<PutRequest, PutResponse>(context, "Put", PutRequest.Parser, (service, request, call) => service.Put(request, call));
        Add<GetRequest, GetResponse>(context, "Get", GetRequest.Parser, (service, request, call) => service.Get(request, call));
        Add<DeleteRequest, DeleteResponse>(context, "Delete", DeleteRequest.Parser, (service, request, call) => service.Delete(request, call));
        Add<CompareAndSwapRequest, CompareAndSwapResponse>(context, "CompareAndSwap", CompareAndSwapRequest.Parser, (service, request, call) => service.CompareAndSwap(request, call));
        Add<GetLeaderRequest, GetLeaderResponse>(context, "GetLeader", GetLeaderRequest.Parser, (service, request, call) => service.GetLeader(request, call));
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
