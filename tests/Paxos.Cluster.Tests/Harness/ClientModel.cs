using Google.Protobuf;
using Grpc.Core;
using Paxos.Transport.V1;

namespace Paxos.Cluster.Tests.Harness;

/// <summary>
/// What the store must hold after client calls whose requests and answers were seen: every write
/// that succeeded applied in order, but only once per (client id, request id) as the contract's
/// exactly-once rule says (a repeated or lower request id changes nothing). A write whose outcome
/// is unknown (UNAVAILABLE, DEADLINE_EXCEEDED) makes its keys, and later writes of its client,
/// uncertain: those are not compared.
/// </summary>
internal sealed class ClientModel
{
    private readonly Dictionary<string, ByteString> _data = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ulong> _lastRequest = new(StringComparer.Ordinal);
    private readonly HashSet<string> _uncertainKeys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _uncertainClients = new(StringComparer.Ordinal);

    /// <summary>How many writes changed the model.</summary>
    public int Applied { get; private set; }

    public void Put(string key, ByteString value) => _data[key] = value;

    /// <summary>A call of KeyValueService method <paramref name="method"/> with <paramref name="request"/>'s bytes, and how it ended.</summary>
    public void Observe(string method, byte[] request, StatusCode status, byte[]? response)
    {
        bool unknown = status is StatusCode.Unavailable or StatusCode.DeadlineExceeded;
        if (status != StatusCode.OK && !unknown)
        {
            return; // refused: nothing changed
        }
        switch (method)
        {
            case "Put":
                var put = PutRequest.Parser.ParseFrom(request);
                Write(put.ClientId, put.RequestId, [put.Key], unknown, () => _data[put.Key] = put.Value);
                break;
            case "Delete":
                var delete = DeleteRequest.Parser.ParseFrom(request);
                Write(delete.ClientId, delete.RequestId, [delete.Key], unknown, () => _data.Remove(delete.Key));
                break;
            case "CompareAndSwap":
                var cas = CompareAndSwapRequest.Parser.ParseFrom(request);
                Write(cas.ClientId, cas.RequestId, [cas.Key], unknown, () =>
                {
                    if (CompareAndSwapResponse.Parser.ParseFrom(response).Succeeded)
                    {
                        _data[cas.Key] = cas.NewValue;
                    }
                });
                break;
            case "Txn":
                var txn = TxnRequest.Parser.ParseFrom(request);
                var keys = txn.Success.Concat(txn.Failure).SelectMany(op => op.Put is { } p ? [p.Key] : op.Delete is { } d ? new[] { d.Key } : []).ToArray();
                Write(txn.ClientId, txn.RequestId, keys, unknown, () =>
                {
                    foreach (var op in TxnResponse.Parser.ParseFrom(response).Succeeded ? txn.Success : txn.Failure)
                    {
                        if (op.Put is { } p)
                        {
                            _data[p.Key] = p.Value;
                        }
                        else if (op.Delete is { } d)
                        {
                            _data.Remove(d.Key);
                        }
                    }
                });
                break;
        }
    }

    private void Write(string clientId, ulong requestId, string[] keys, bool unknown, Action apply)
    {
        if (unknown || _uncertainClients.Contains(clientId))
        {
            _uncertainKeys.UnionWith(keys);
            if (clientId.Length > 0)
            {
                _uncertainClients.Add(clientId);
            }
            return;
        }
        if (clientId.Length > 0)
        {
            if (_lastRequest.TryGetValue(clientId, out ulong last) && requestId <= last)
            {
                return; // a retry answered with the first result, or a stale request
            }
            _lastRequest[clientId] = requestId;
        }
        apply();
        Applied++;
    }

    /// <summary>Asserts that <paramref name="contents"/> holds exactly the model's keys and values, uncertain keys aside.</summary>
    public void AssertHolds(IReadOnlyList<(string Key, ByteString Value)> contents)
    {
        var held = contents.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        foreach (string key in held.Keys.Union(_data.Keys).Except(_uncertainKeys))
        {
            bool isHeld = held.TryGetValue(key, out var value);
            bool isModelled = _data.TryGetValue(key, out var expected);
            Assert.True(isHeld == isModelled && (!isHeld || value!.Equals(expected)),
                $"key '{key}': the store holds {(isHeld ? $"{value!.Length} bytes" : "nothing")}, the valid writes put {(isModelled ? $"{expected!.Length} bytes" : "nothing")}");
        }
    }
}
