using Grpc.Core;

namespace Paxos.Client.Tests;

/// <summary>
/// Stands in for a cluster in unit tests: every unary call the client makes, to whichever endpoint,
/// is logged and answered by <see cref="Answer"/> (which may throw an <see cref="RpcException"/>).
/// </summary>
internal sealed class ScriptedCluster
{
    private readonly List<Call> _calls = [];
    private readonly List<Uri> _opened = [];
    private readonly List<Uri> _closed = [];

    public sealed record Call(Uri Endpoint, string Method, object Request);

    /// <summary>Answers a call: the endpoint, the method's name (Put, Get, GetLeader, ...), the request, and the call's options.</summary>
    public required Func<Call, CallOptions, Task<object>> Answer { get; init; }

    public IReadOnlyList<Call> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    public IReadOnlyList<Call> CallsOf(string method) => [.. Calls.Where(c => c.Method == method)];

    /// <summary>The endpoints a channel was opened to, once per opening.</summary>
    public IReadOnlyList<Uri> Opened => Locked(_opened);

    /// <summary>The endpoints whose channel was closed, once per closing.</summary>
    public IReadOnlyList<Uri> Closed => Locked(_closed);

    public ChannelBase Connect(Uri endpoint)
    {
        lock (_opened)
        {
            _opened.Add(endpoint);
        }
        return new Channel(this, endpoint);
    }

    private static List<Uri> Locked(List<Uri> list)
    {
        lock (list)
        {
            return [.. list];
        }
    }

    public static RpcException Error(StatusCode code, string detail = "scripted") => new(new Status(code, detail));

    private Task<object> Respond(Uri endpoint, string method, object request, CallOptions options)
    {
        var call = new Call(endpoint, method, request);
        lock (_calls)
        {
            _calls.Add(call);
        }
        return Answer(call, options);
    }

    private sealed class Channel(ScriptedCluster cluster, Uri endpoint) : ChannelBase(endpoint.ToString()), IDisposable
    {
        public override CallInvoker CreateCallInvoker() => new Invoker(cluster, endpoint);

        public void Dispose()
        {
            lock (cluster._closed)
            {
                cluster._closed.Add(endpoint);
            }
        }
    }

    private sealed class Invoker(ScriptedCluster cluster, Uri endpoint) : CallInvoker
    {
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        {
            var response = Typed<TResponse>(cluster.Respond(endpoint, method.Name, request, options));
            return new AsyncUnaryCall<TResponse>(response, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
        }

        private static async Task<TResponse> Typed<TResponse>(Task<object> response) => (TResponse)await response;

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            throw new NotSupportedException("the client makes asynchronous unary calls only");

        /// <summary>A stream of the one message <see cref="Answer"/> gives (asked when the stream is first read), or of its error.</summary>
        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            new(new OneMessage<TResponse>(() => Typed<TResponse>(cluster.Respond(endpoint, method.Name, request!, options))),
                Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            throw new NotSupportedException("the client makes asynchronous unary calls only");

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            throw new NotSupportedException("the client makes asynchronous unary calls only");
    }

    private sealed class OneMessage<T>(Func<Task<T>> answer) : IAsyncStreamReader<T>
    {
        private bool _read;

        public T Current { get; private set; } = default!;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (_read)
            {
                return false;
            }
            _read = true;
            Current = await answer();
            return true;
        }
    }
}
