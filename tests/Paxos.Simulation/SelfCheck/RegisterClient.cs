using Paxos.Simulation.Checking;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.SelfCheck;

/// <summary>
/// A client process: issues one random operation at a time to the server (node 0), records it in
/// the history, retries it with the same sequence number until a response or a timeout (then its
/// outcome stays unknown), thinks a little, and goes on. Sequence numbers include the incarnation,
/// so a restarted client never reuses one.
/// </summary>
internal sealed class RegisterClient : RegisterNode
{
    private const int Keys = 4;
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(2);

    private readonly SimNodeContext _context;
    private readonly RegisterEnvironment _env;
    private readonly SimRandom _random;
    private readonly Dictionary<string, string> _lastSeen = new(StringComparer.Ordinal);
    private long _counter;
    private Pending? _pending;

    public RegisterClient(SimNodeContext context, RegisterEnvironment env)
    {
        _context = context;
        _env = env;
        _random = env.Random.Fork();
    }

    private int Id => _context.NodeId;

    public override void Receive(int from, RegisterMessage message)
    {
        if (message is not RegisterResponse response || _pending is not { } pending || response.Sequence != pending.Request.Sequence)
        {
            return;
        }

        _env.History.Complete(pending.OperationId, response.Output, _env.Scheduler.Now);
        _env.Trace.Add($"c{Id} op #{pending.OperationId} {pending.Request.Input} -> {response.Output.Describe(response.Kind)}");
        if (response.Output.Found && response.Output.Value is { } value)
        {
            _lastSeen[pending.Request.Input.Key] = value;
        }
        else if (pending.Request.Input.Kind is KvOperationKind.Put or KvOperationKind.CompareAndSwap && response.Output.Succeeded)
        {
            _lastSeen[pending.Request.Input.Key] = pending.Request.Input.Value!;
        }

        _pending = null;
        ScheduleNext();
    }

    protected override void OnStart() => ScheduleNext();

    private void ScheduleNext() =>
        _env.Cluster.SetTimer(Id, _random.NextDuration(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(60)), node => ((RegisterClient)node).Issue());

    private void Issue()
    {
        if (_env.Scheduler.Now >= _env.StopIssuingAt)
        {
            return;
        }

        var request = new RegisterRequest(Id, (_context.Incarnation * 1_000_000L) + ++_counter, NextInput());
        int id = _env.History.Invoke(Id, request.Input, _env.Scheduler.Now);
        _pending = new Pending(request, id, _env.Scheduler.Now);
        _env.Trace.Add($"c{Id} invokes op #{id} {request.Input}");
        Send(request);
    }

    private void Send(RegisterRequest request)
    {
        _env.Network.Send(Id, 0, request);
        _env.Cluster.SetTimer(Id, RetryInterval, node => ((RegisterClient)node).Retry(request.Sequence));
    }

    private void Retry(long sequence)
    {
        if (_pending is not { } pending || pending.Request.Sequence != sequence)
        {
            return;
        }

        if (_env.Scheduler.Now - pending.Invoked >= GiveUpAfter)
        {
            _env.Trace.Add($"c{Id} gives up on op #{pending.OperationId}: outcome unknown");
            _pending = null;
            ScheduleNext();
            return;
        }

        Send(pending.Request);
    }

    private KvInput NextInput()
    {
        string key = $"k{_random.NextInt(Keys)}";
        string value = $"c{Id}.{_context.Incarnation}.{_counter + 1}";
        _lastSeen.TryGetValue(key, out string? seen);
        return _random.NextInt(10) switch
        {
            < 3 => KvInput.Put(key, value),
            < 7 => KvInput.Get(key),
            7 => KvInput.Delete(key),
            _ => seen is null || _random.Chance(0.2)
                ? KvInput.CompareAndSwap(key, true, null, value)
                : KvInput.CompareAndSwap(key, false, seen, value),
        };
    }

    private sealed record Pending(RegisterRequest Request, int OperationId, TimeSpan Invoked);
}
