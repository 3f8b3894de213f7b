using Paxos.Checking;

namespace Paxos.Simulation.Tests;

/// <summary>Writes small histories tersely: times are milliseconds, a null end means outcome unknown.</summary>
internal sealed class HistoryBuilder
{
    private readonly List<HistoryOperation> _ops = [];

    public IReadOnlyList<HistoryOperation> Operations => _ops;

    public HistoryBuilder Put(int client, string key, string value, int start, int? end) =>
        Add(client, KvInput.Put(key, value), start, end, KvOutput.PutOk);

    public HistoryBuilder Get(int client, string key, string? value, int start, int? end) =>
        Add(client, KvInput.Get(key), start, end, KvOutput.GetResult(value is not null, value));

    public HistoryBuilder Delete(int client, string key, bool existed, int start, int? end) =>
        Add(client, KvInput.Delete(key), start, end, KvOutput.DeleteResult(existed));

    public HistoryBuilder Cas(int client, string key, string? expected, string value, bool succeeded, string? current, int start, int? end) =>
        Add(client, KvInput.CompareAndSwap(key, expected is null, expected, value), start, end, KvOutput.CasResult(succeeded, current is not null, current));

    public HistoryBuilder PutWithLease(int client, string key, string value, ulong lease, int start, int? end) =>
        Add(client, KvInput.PutWithLease(key, value, lease), start, end, KvOutput.PutOk);

    public HistoryBuilder Txn(int client, KvInput txn, bool succeeded, string? current, int start, int? end) =>
        Add(client, txn, start, end, KvOutput.TxnResult(succeeded, current is not null, current));

    public HistoryBuilder Grant(int client, ulong lease, long ttlMilliseconds, int start, int? end) =>
        Add(client, KvInput.LeaseGrant(ttlMilliseconds), start, end, KvOutput.LeaseGranted(lease));

    public HistoryBuilder KeepAlive(int client, ulong lease, bool found, int start, int? end) =>
        Add(client, KvInput.LeaseKeepAlive(lease), start, end, KvOutput.LeaseFound(found));

    public HistoryBuilder Revoke(int client, ulong lease, bool found, int start, int? end) =>
        Add(client, KvInput.LeaseRevoke(lease), start, end, KvOutput.LeaseFound(found));

    public HistoryBuilder Expire(ulong lease, int start, int end) =>
        Add(-1, KvInput.LeaseExpire(lease), start, end, KvOutput.LeaseFound(true));

    public LinearizabilityResult Check(long maxSteps = LinearizabilityChecker.DefaultMaxStepsPerKey) =>
        new LinearizabilityChecker(maxSteps).Check(_ops);

    private HistoryBuilder Add(int client, KvInput input, int start, int? end, KvOutput output)
    {
        _ops.Add(new HistoryOperation(
            _ops.Count,
            client,
            input,
            TimeSpan.FromMilliseconds(start),
            end is { } e ? TimeSpan.FromMilliseconds(e) : null,
            end is null ? null : output));
        return this;
    }
}
