using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Paxos.Transport.V1;

namespace Paxos.Bench.Tests;

/// <summary>
/// An in-memory stand-in for a Paxos node's <c>KeyValueService</c> on a loopback port, which also
/// checks what the benchmark sends: a client id on every write, and request ids that only grow.
/// </summary>
public sealed class FakeKeyValueServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private FakeKeyValueServer(WebApplication app, Store store, Uri url)
    {
        this.app = app;
        State = store;
        Url = url;
    }

    public Uri Url { get; }

    public Store State { get; }

    public static async Task<FakeKeyValueServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        var store = new Store();
        builder.Services.AddSingleton(store);
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<Service>();
        app.MapGrpcService<Leases>();
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new FakeKeyValueServer(app, store, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>The keys and what the server saw of its clients.</summary>
    public sealed class Store
    {
        public ConcurrentDictionary<string, ByteString> Values { get; } = new();

        public ConcurrentDictionary<string, ulong> LastRequestIds { get; } = new();

        public ConcurrentQueue<string> Violations { get; } = new();

        /// <summary>The index of each key's last write, by transactions.</summary>
        public ConcurrentDictionary<string, ulong> Indexes { get; } = new();

        /// <summary>The leases granted, and how often each was kept alive.</summary>
        public ConcurrentDictionary<ulong, int> KeepAlives { get; } = new();

        public ulong LastIndex { get; set; }

        /// <summary>When true, every other get after the first ten (the bench's endpoint check reads first) is refused with INVALID_ARGUMENT "refused by the test".</summary>
        public bool RefuseEveryOtherGet { get; set; }

        private long _gets;

        /// <summary>Whether this get is one to refuse.</summary>
        public bool RefusesNextGet() => RefuseEveryOtherGet && Interlocked.Increment(ref _gets) is > 10 and var n && n % 2 == 0;

        public void SawWrite(string clientId, ulong requestId)
        {
            if (clientId.Length == 0)
            {
                Violations.Enqueue("a write without a client id");
                return;
            }
            ulong previous = LastRequestIds.GetValueOrDefault(clientId);
            if (requestId <= previous)
            {
                Violations.Enqueue($"{clientId}: request id {requestId} after {previous}");
            }
            LastRequestIds[clientId] = requestId;
        }
    }

    private sealed class Service(Store store) : KeyValueService.KeyValueServiceBase
    {
        public override Task<PutResponse> Put(PutRequest request, ServerCallContext context)
        {
            store.SawWrite(request.ClientId, request.RequestId);
            store.Values[request.Key] = request.Value;
            return Task.FromResult(new PutResponse { Index = 1 });
        }

        public override Task<GetResponse> Get(GetRequest request, ServerCallContext context)
        {
            if (store.RefusesNextGet())
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "refused by the test"));
            }
            bool found = store.Values.TryGetValue(request.Key, out var value);
            return Task.FromResult(new GetResponse { Found = found, Value = value ?? ByteString.Empty });
        }

        public override Task<CompareAndSwapResponse> CompareAndSwap(CompareAndSwapRequest request, ServerCallContext context)
        {
            store.SawWrite(request.ClientId, request.RequestId);
            lock (store)
            {
                bool found = store.Values.TryGetValue(request.Key, out var current);
                bool matches = request.ExpectAbsent ? !found : found && current!.Equals(request.ExpectedValue);
                if (matches)
                {
                    store.Values[request.Key] = request.NewValue;
                }
                return Task.FromResult(new CompareAndSwapResponse { Succeeded = matches, Found = found, CurrentValue = current ?? ByteString.Empty });
            }
        }

        /// <summary>Only what the txn workload sends: one index compare, a put, else a get.</summary>
        public override Task<TxnResponse> Txn(TxnRequest request, ServerCallContext context)
        {
            store.SawWrite(request.ClientId, request.RequestId);
            lock (store)
            {
                var compare = request.Compare.Single();
                bool holds = compare.Target == Compare.Types.Target.Index && compare.Op == Compare.Types.Op.Equal
                    && store.Indexes.GetValueOrDefault(compare.Key) == compare.Index;
                ulong index = ++store.LastIndex;
                var response = new TxnResponse { Succeeded = holds, Index = index };
                if (holds)
                {
                    var put = request.Success.Single().Put;
                    store.Values[put.Key] = put.Value;
                    store.Indexes[put.Key] = index;
                    response.Results.Add(new TxnOpResult { Put = new PutResponse { Index = index } });
                }
                else
                {
                    string key = request.Failure.Single().Get.Key;
                    bool found = store.Values.TryGetValue(key, out var value);
                    response.Results.Add(new TxnOpResult { Get = new GetResponse { Found = found, Value = value ?? ByteString.Empty, Index = store.Indexes.GetValueOrDefault(key) } });
                }
                return Task.FromResult(response);
            }
        }
    }

    private sealed class Leases(Store store) : LeaseService.LeaseServiceBase
    {
        public override Task<LeaseGrantResponse> Grant(LeaseGrantRequest request, ServerCallContext context)
        {
            ulong id;
            lock (store)
            {
                id = ++store.LastIndex;
            }
            store.KeepAlives[id] = 0;
            return Task.FromResult(new LeaseGrantResponse { LeaseId = id, TtlMs = request.TtlMs });
        }

        public override Task<LeaseKeepAliveResponse> KeepAlive(LeaseKeepAliveRequest request, ServerCallContext context)
        {
            bool found = store.KeepAlives.ContainsKey(request.LeaseId);
            if (found)
            {
                store.KeepAlives.AddOrUpdate(request.LeaseId, 1, (_, count) => count + 1);
            }
            return Task.FromResult(new LeaseKeepAliveResponse { Found = found, TtlMs = found ? 60_000 : 0 });
        }
    }
}
