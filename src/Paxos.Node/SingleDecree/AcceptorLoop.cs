using System.Threading.Channels;
using Paxos.Core;
using Paxos.Core.SingleDecree;
using Paxos.Storage.SingleDecree;

namespace Paxos.Node.SingleDecree;

/// <summary>
/// The one writer of this node's single-decree state. Every request (from a peer's proposer over
/// gRPC, or from this node's own proposer) is queued and handled in order by one loop that runs
/// the pure acceptor rules, persists the new state with fsync, and only then completes the
/// request, so no reply ever promises something that is not on disk. The queue is bounded:
/// callers wait when it is full.
/// </summary>
public sealed class AcceptorLoop : IAcceptorPeer, IAsyncDisposable
{
    private const int QueueCapacity = 4096;

    private readonly SingleDecreeStore _store;
    private readonly Channel<Action> _queue = Channel.CreateBounded<Action>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Task _loop;

    /// <summary>Serves the acceptor of every instance kept in <paramref name="store"/> from one loop.</summary>
    public AcceptorLoop(SingleDecreeStore store)
    {
        _store = store;
        _loop = Task.Run(RunAsync);
    }

    /// <inheritdoc/>
    public Task<PromiseReply> PrepareAsync(string instanceId, Ballot ballot, CancellationToken cancellationToken) =>
        EnqueueAsync(() =>
        {
            var record = _store.Get(instanceId);
            var step = Acceptor.OnPrepare(record.Acceptor, ballot);
            if (step.StateChanged)
            {
                _store.Save(instanceId, record with { Acceptor = step.State });
            }
            return step.Reply;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<AcceptReply> AcceptAsync(string instanceId, Proposal proposal, CancellationToken cancellationToken) =>
        EnqueueAsync(() =>
        {
            var record = _store.Get(instanceId);
            var step = Acceptor.OnAccept(record.Acceptor, proposal);
            if (step.StateChanged)
            {
                _store.Save(instanceId, record with { Acceptor = step.State });
            }
            return step.Reply;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task DecideAsync(string instanceId, byte[] value, CancellationToken cancellationToken) =>
        EnqueueAsync(() =>
        {
            var record = _store.Get(instanceId);
            if (record.Chosen is null)
            {
                _store.Save(instanceId, record with { Chosen = value });
            }
            else
            {
                Invariant.Check(record.Chosen.AsSpan().SequenceEqual(value), $"instance '{instanceId}': two different values chosen");
            }
            return true;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<LearnReport> LearnAsync(string instanceId, CancellationToken cancellationToken) =>
        EnqueueAsync(() =>
        {
            var record = _store.Get(instanceId);
            return new LearnReport(record.Chosen, record.Acceptor.Accepted);
        }, cancellationToken);

    /// <summary>
    /// Durably reserves <paramref name="ballot"/>'s round for this node's proposer if it is above
    /// every round reserved before; otherwise reports the highest round reserved, and the caller
    /// must pick a ballot above it. Ballots are thus never reused, also across restarts.
    /// </summary>
    public Task<(bool Reserved, ulong HighestRound)> ReserveBallotAsync(Ballot ballot, CancellationToken cancellationToken) =>
        EnqueueAsync(() =>
        {
            if (ballot.Round <= _store.LastProposerRound)
            {
                return (false, _store.LastProposerRound);
            }
            _store.SaveProposerRound(ballot.Round);
            return (true, ballot.Round);
        }, cancellationToken);

    /// <summary>The highest round this node ever used as a proposer (from disk).</summary>
    public Task<ulong> LastProposerRoundAsync(CancellationToken cancellationToken) =>
        EnqueueAsync(() => _store.LastProposerRound, cancellationToken);

    /// <summary>Finishes the queued requests and stops the loop.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task<T> EnqueueAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync(() =>
        {
            if (cancellationToken.IsCancellationRequested)
            {
                completion.TrySetCanceled(cancellationToken);
                return;
            }
            try
            {
                completion.TrySetResult(work());
            }
            catch (InvariantViolationException)
            {
                throw; // crash loudly: the state can no longer be trusted
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                completion.TrySetException(e);
            }
        }, cancellationToken).ConfigureAwait(false);
        return await completion.Task.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        await foreach (var work in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                work();
            }
            catch (InvariantViolationException e)
            {
                Environment.FailFast("Paxos invariant violated; stopping the node rather than corrupting data.", e);
            }
        }
    }
}
