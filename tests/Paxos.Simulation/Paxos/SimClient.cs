using Paxos.Checking;
using Paxos.KeyValue;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// A simulated client: one operation at a time (Put, linearizable Get, Delete, compare-and-swap,
/// Txn on a few shared keys; lease grants, keep-alives, revokes and puts with its lease, see
/// <see cref="SimLeaseWorkload"/>), recorded in the history. It sends to the replica it believes leads, follows
/// the leader a replica names in its answers (a follower forwards, but the client's next request
/// goes to the leader, as the Paxos.Client library's does), retries the same request id (exactly-once makes write retries safe) after a
/// per-attempt timeout against another replica, and gives up after <see cref="GiveUpAfter"/>, leaving
/// the outcome unknown. Clients do not crash; their link to the replicas has its own message faults.
/// Client 0 ends the run with a linearizable read of every key, so a lost acknowledged write shows
/// up as a linearizability violation. In runs with <see cref="PaxosWorld.MaximumSizeValues"/>, one in twenty
/// of the values written are of the contract's maximum size.
/// </summary>
internal sealed class SimClient
{
    /// <summary>The keys clients use.</summary>
    public const int Keys = 5;

    /// <summary>A client abandons an operation (outcome unknown) this long after invoking it.</summary>
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan RetryBackoff = TimeSpan.FromMilliseconds(10);

    private readonly PaxosWorld _world;
    private readonly SimRandom _random;
    private readonly TimeSpan _stopAt;
    private readonly bool _abandonAtStop;
    private readonly Dictionary<string, string> _lastSeen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ulong Index, string? Value)> _lastRead = new(StringComparer.Ordinal);
    private readonly SimLeaseWorkload _lease;
    private readonly Queue<string> _finalReads = new();
    private ulong _requestId;
    private int _leaderGuess = -1;
    private int _attempt;
    private Pending? _pending;

    /// <summary>
    /// Creates client <paramref name="id"/>, which invokes no new operation from <paramref name="stopAt"/> on
    /// (client 0 then reads every key); with <paramref name="abandonAtStop"/> it also gives up then on the
    /// operation it is waiting for, as a client that goes away does, and retries it no more.
    /// </summary>
    public SimClient(int id, PaxosWorld world, SimRandom random, TimeSpan stopAt, bool abandonAtStop)
    {
        Id = id;
        _world = world;
        _random = random;
        _stopAt = stopAt;
        _abandonAtStop = abandonAtStop;
        _lease = new SimLeaseWorkload(random.Fork(), world.LeasesOn);
        if (id == 0)
        {
            for (int k = 0; k < Keys; k++)
            {
                _finalReads.Enqueue($"k{k}");
            }
        }
    }

    /// <summary>The client's number.</summary>
    public int Id { get; }

    /// <summary>Starts issuing operations.</summary>
    public void Start()
    {
        ScheduleNext();
        if (_abandonAtStop)
        {
            _world.Scheduler.Schedule(_stopAt, Abandon);
        }
    }

    private void Abandon()
    {
        if (_pending is { } pending)
        {
            _world.Trace.Add($"c{Id} goes away from op #{pending.Operation}: outcome unknown");
            _pending = null;
            ScheduleNext(); // client 0's final reads
        }
    }

    /// <summary>Handles a replica's response.</summary>
    public void Receive(int from, ClientResponse response)
    {
        if (_pending is not { } pending || response.RequestId != pending.Request.RequestId)
        {
            return;
        }

        switch (response.Kind)
        {
            case ClientResponseKind.Done:
                if (response.LeaderHint >= 0)
                {
                    _leaderGuess = response.LeaderHint; // a follower forwarded it: go to the leader directly, as Paxos.Client does
                }

                Complete(pending, response.Output!);
                break;
            case ClientResponseKind.NotLeader:
                _leaderGuess = response.LeaderHint >= 0 && response.LeaderHint != from ? response.LeaderHint : OtherNode(from);
                Resend(pending, RetryBackoff);
                break;
            default:
                Resend(pending, RetryBackoff);
                break;
        }
    }

    private void ScheduleNext() =>
        _world.Scheduler.ScheduleAfter(_random.NextDuration(TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(30)), Issue);

    private void Issue()
    {
        KvInput input;
        if (_world.Scheduler.Now < _stopAt)
        {
            input = NextInput();
        }
        else if (_finalReads.TryDequeue(out string? key))
        {
            input = KvInput.Get(key);
        }
        else
        {
            return;
        }

        var request = new ClientRequest(Id, ++_requestId, input);
        int operation = _world.History.Invoke(Id, input, _world.Scheduler.Now);
        _world.Trace.Add($"c{Id} invokes op #{operation} {input} (request {request.RequestId})");
        var pending = new Pending(request, operation, _world.Scheduler.Now);
        _pending = pending;
        Send(pending);
    }

    private void Send(Pending pending)
    {
        if (_leaderGuess < 0)
        {
            _leaderGuess = _random.NextInt(_world.NodeCount);
        }

        int attempt = ++_attempt;
        _world.ClientNetwork.Send(_world.ClientEndpoint(Id), _leaderGuess, pending.Request);
        _world.Scheduler.ScheduleAfter(AttemptTimeout, () => OnAttemptTimeout(pending, attempt));
    }

    private void Resend(Pending pending, TimeSpan after)
    {
        int attempt = ++_attempt;
        _world.Scheduler.ScheduleAfter(after, () =>
        {
            if (_pending == pending && _attempt == attempt)
            {
                Retry(pending);
            }
        });
    }

    private void OnAttemptTimeout(Pending pending, int attempt)
    {
        if (_pending != pending || _attempt != attempt)
        {
            return;
        }

        _leaderGuess = OtherNode(_leaderGuess);
        Retry(pending);
    }

    private void Retry(Pending pending)
    {
        if (_world.Scheduler.Now - pending.Invoked >= GiveUpAfter)
        {
            _world.Trace.Add($"c{Id} gives up on op #{pending.Operation}: outcome unknown");
            _pending = null;
            ScheduleNext();
            return;
        }

        Send(pending);
    }

    private void Complete(Pending pending, KvOutput output)
    {
        _world.History.Complete(pending.Operation, output, _world.Scheduler.Now);
        KvInput input = pending.Request.Input;
        _lease.OnCompleted(input, output, pending.Invoked, _world.Scheduler.Now);
        if (input.Kind == KvOperationKind.Get)
        {
            _lastRead[input.Key] = (output.Index, output.Value);
        }

        _world.Trace.Add($"c{Id} op #{pending.Operation} {input} -> {output.Describe(input.Kind)}");
        if (output.Found && output.Value is { } value)
        {
            _lastSeen[input.Key] = value;
        }
        else if ((input.Kind is KvOperationKind.Put && output.Succeeded) || (input.Kind is KvOperationKind.CompareAndSwap or KvOperationKind.Txn && output.Succeeded))
        {
            _lastSeen[input.Key] = input.Value!;
        }

        _pending = null;
        ScheduleNext();
    }

    private int OtherNode(int node) => (node + 1 + _random.NextInt(_world.NodeCount - 1)) % _world.NodeCount;

    private KvInput NextInput()
    {
        if (_lease.Next(_world.Scheduler.Now) is { } leaseOperation)
        {
            return leaseOperation;
        }

        string key = $"k{_random.NextInt(Keys)}";
        string value = $"c{Id}.{_requestId + 1}";
        if (_world.MaximumSizeValues && _random.Chance(0.05))
        {
            value = value.PadRight(KeyValueLimits.MaxValueBytes, '.'); // still unique: the padding follows the request id
            _world.Count("maximum-size writes");
        }

        _lastSeen.TryGetValue(key, out string? seen);
        return _random.NextInt(23) switch
        {
            < 4 => KvInput.Put(key, value),
            < 6 => _lease.Lease != 0 ? KvInput.PutWithLease(key, value, _lease.Lease) : KvInput.Put(key, value),
            >= 20 => NextTxn(key, value, seen),
            < 13 => KvInput.Get(key),
            < 15 => KvInput.Delete(key),
            _ => seen is null || _random.Chance(0.2)
                ? KvInput.CompareAndSwap(key, true, null, value)
                : KvInput.CompareAndSwap(key, false, seen, value),
        };
    }

    /// <summary>A Txn on <paramref name="key"/>: compared on its value, its index (as last read), or its existence; its success branch writes another key too.</summary>
    private KvInput NextTxn(string key, string value, string? seen)
    {
        string second = $"k{(int.Parse(key[1..], System.Globalization.CultureInfo.InvariantCulture) + 1 + _random.NextInt(Keys - 1)) % Keys}";
        string? secondValue = _random.Chance(0.75) ? $"{value}'" : null;
        int roll = _random.NextInt(4);
        bool large = value.Length >= KeyValueLimits.MaxValueBytes || (seen?.Length ?? 0) >= KeyValueLimits.MaxValueBytes;
        if (large)
        {
            // Within the largest command a node accepts (about 2 MiB): one large value, compared on neither side.
            secondValue = null;
            roll = roll == 0 ? 2 : roll;
        }

        if (roll == 0 && seen is not null)
        {
            return KvInput.Txn(key, TxnCompareKind.Value, seen, 0, value, second, secondValue);
        }

        if (roll == 1 && _lastRead.TryGetValue(key, out (ulong Index, string? Value) read))
        {
            return KvInput.Txn(key, TxnCompareKind.Index, read.Value, read.Index, value, second, secondValue);
        }

        return KvInput.Txn(key, _random.Chance(0.5) ? TxnCompareKind.Exists : TxnCompareKind.Absent, null, 0, value, second, secondValue);
    }

    private sealed record Pending(ClientRequest Request, int Operation, TimeSpan Invoked);
}
