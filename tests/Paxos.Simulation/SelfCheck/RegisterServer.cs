using Paxos.Simulation.Checking;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.SelfCheck;

/// <summary>
/// A single-copy key-value server with a write-ahead log and group commit: every request is run
/// in arrival order, mutating ones are appended to the log, and every reply (reads included) waits
/// for the next fsync, so no client ever sees a result that a crash could take back. Duplicate
/// requests (retries, network duplicates) run once; their results are rebuilt from the log after a
/// restart. Planted bugs: ack-before-fsync replies at once and leaves the fsync to a background
/// flush every 100 ms, stale-read answers reads from a copy refreshed now and then, skip-recovery
/// starts empty instead of replaying the log.
/// </summary>
internal sealed class RegisterServer : RegisterNode
{
    private static readonly TimeSpan CommitInterval = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan BackgroundFlushInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan StaleViewInterval = TimeSpan.FromMilliseconds(300);

    private readonly SimNodeContext _context;
    private readonly RegisterEnvironment _env;
    private readonly RegisterStore _store = new();
    private readonly Dictionary<(int Client, long Sequence), KvOutput> _done = [];
    private readonly List<(int To, RegisterResponse Response)> _awaitingSync = [];
    private RegisterStore _staleView = new();

    public RegisterServer(SimNodeContext context, RegisterEnvironment env)
    {
        _context = context;
        _env = env;
        if (env.Bug == PlantedBug.SkipRecovery && context.Incarnation > 1)
        {
            env.Trace.Add($"n{context.NodeId} starts WITHOUT replaying its log (planted skip-recovery)");
            return;
        }

        List<RegisterRequest> log = RegisterLog.ReadAll(context.Disk, out bool tornTailCut);
        foreach (RegisterRequest request in log)
        {
            _done[(request.Client, request.Sequence)] = _store.Apply(request.Input);
        }

        _staleView = _store.Copy();
        env.Trace.Add($"n{context.NodeId} recovered {log.Count} log records{(tornTailCut ? ", cut a torn tail" : "")}");
    }

    public override void Receive(int from, RegisterMessage message)
    {
        if (message is not RegisterRequest request)
        {
            return;
        }

        KvInput input = request.Input;
        KvOutput output;
        if (input.Kind == KvOperationKind.Get)
        {
            output = (_env.Bug == PlantedBug.StaleRead ? _staleView : _store).Apply(input);
        }
        else if (!_done.TryGetValue((request.Client, request.Sequence), out output!))
        {
            output = _store.Apply(input);
            _done[(request.Client, request.Sequence)] = output;
            RegisterLog.Append(_context.Disk, request);
        }

        var response = new RegisterResponse(request.Client, request.Sequence, input.Kind, output);
        if (_env.Bug == PlantedBug.AckBeforeFsync)
        {
            _env.Network.Send(_context.NodeId, from, response);
        }
        else
        {
            _awaitingSync.Add((from, response));
        }
    }

    protected override void OnStart()
    {
        ScheduleCommit();
        if (_env.Bug == PlantedBug.StaleRead)
        {
            ScheduleStaleViewRefresh();
        }
    }

    private void ScheduleCommit() => _env.Cluster.SetTimer(
        _context.NodeId,
        _env.Bug == PlantedBug.AckBeforeFsync ? BackgroundFlushInterval : CommitInterval,
        node => ((RegisterServer)node).Commit());

    private void Commit()
    {
        _context.Disk.Sync(RegisterLog.FileName);
        foreach ((int to, RegisterResponse response) in _awaitingSync)
        {
            _env.Network.Send(_context.NodeId, to, response);
        }

        _awaitingSync.Clear();
        ScheduleCommit();
    }

    private void ScheduleStaleViewRefresh() => _env.Cluster.SetTimer(_context.NodeId, StaleViewInterval, node =>
    {
        var server = (RegisterServer)node;
        server._staleView = server._store.Copy();
        server.ScheduleStaleViewRefresh();
    });
}
