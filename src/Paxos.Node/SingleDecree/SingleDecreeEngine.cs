using Microsoft.Extensions.Logging;
using Paxos.Core;
using Paxos.Core.SingleDecree;
using Paxos.Node.Hosting;

namespace Paxos.Node.SingleDecree;

/// <summary>The result of a proposal: the chosen value (maybe another proposer's) and the ballot of the last round.</summary>
public sealed record ProposeOutcome(byte[] ChosenValue, Ballot Ballot);

/// <summary>
/// Drives the pure <see cref="Proposer"/> and <see cref="Learner"/> of single-decree Paxos over the
/// cluster's acceptors: sends Prepare and Accept to every acceptor in parallel, feeds the replies
/// to the proposer as they arrive, retries failed rounds after a randomized backoff, and announces
/// the chosen value to every learner. Many instances (by id) run side by side.
/// </summary>
public sealed partial class SingleDecreeEngine
{
    private readonly int _self;
    private readonly IReadOnlyList<IAcceptorPeer> _acceptors;
    private readonly AcceptorLoop _local;
    private readonly TestHooks _testHooks;
    private readonly ILogger _logger;
    private readonly TimeSpan _roundTimeout;
    private const int AnnounceAttempts = 6;
    private static readonly TimeSpan AnnounceTimeout = TimeSpan.FromSeconds(5);

    /// <param name="self">This node's index in the cluster.</param>
    /// <param name="acceptors">Every acceptor of the cluster by index; entry <paramref name="self"/> is <paramref name="local"/>.</param>
    /// <param name="local">This node's acceptor.</param>
    /// <param name="testHooks">Faults the test-only host plants; none in the shipped program.</param>
    /// <param name="logger">Where rounds that fail are logged.</param>
    /// <param name="roundTimeout">How long one round waits for a quorum.</param>
    internal SingleDecreeEngine(int self, IReadOnlyList<IAcceptorPeer> acceptors, AcceptorLoop local, TestHooks testHooks, ILogger logger, TimeSpan roundTimeout)
    {
        Invariant.Check(self >= 0 && self < acceptors.Count && ReferenceEquals(acceptors[self], local), "this node's own acceptor is the local loop");
        _self = self;
        _acceptors = acceptors;
        _local = local;
        _testHooks = testHooks;
        _logger = logger;
        _roundTimeout = roundTimeout;
    }

    private int ClusterSize => _acceptors.Count;

    /// <summary>
    /// Proposes <paramref name="value"/> for <paramref name="instanceId"/> and returns the chosen
    /// value, which is another proposer's if that one was chosen first. Retries until chosen or
    /// until <paramref name="cancellationToken"/> fires; then throws <see cref="NoQuorumException"/>
    /// if the last round lacked a majority (the outcome is unknown: it may still be chosen).
    /// </summary>
    public async Task<ProposeOutcome> ProposeAsync(string instanceId, byte[] value, CancellationToken cancellationToken)
    {
        var known = await _local.LearnAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (known.Chosen is not null)
        {
            return new ProposeOutcome(known.Chosen, Ballot.Zero);
        }
        var proposer = new Proposer(_self, ClusterSize, value);
        int answered = ClusterSize;
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                var ballot = await StartRoundAsync(proposer, cancellationToken).ConfigureAwait(false);
                var (action, answeredNow) = await RunRoundAsync(instanceId, proposer, ballot, cancellationToken).ConfigureAwait(false);
                answered = answeredNow;
                if (action is ProposerAction.Decided decided)
                {
                    await _local.DecideAsync(instanceId, decided.Value, cancellationToken).ConfigureAwait(false);
                    AnnounceInBackground(instanceId, decided.Value);
                    LogChosen(instanceId, ballot, attempt);
                    return new ProposeOutcome(decided.Value, ballot);
                }
                int delayMs = RetryBackoff.DelayMs(attempt, Random.Shared.NextDouble());
                LogRetry(instanceId, ballot, answered, delayMs);
                await Task.Delay(delayMs, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && answered < Quorum.Of(ClusterSize))
        {
            throw new NoQuorumException(answered, Quorum.Of(ClusterSize), ClusterSize);
        }
    }

    /// <summary>
    /// The value this node learned for <paramref name="instanceId"/>, or null. With
    /// <paramref name="askPeers"/>, a node that does not know it asks every node: one that learned
    /// it tells, or the learner rule finds it (a majority accepted the same ballot); the node then
    /// records it durably.
    /// </summary>
    public async Task<byte[]?> GetLearnedAsync(string instanceId, bool askPeers, CancellationToken cancellationToken)
    {
        var local = await _local.LearnAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (local.Chosen is not null || !askPeers)
        {
            return local.Chosen;
        }
        var learner = new Learner(ClusterSize);
        using var round = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        round.CancelAfter(_roundTimeout);
        var pending = Enumerable.Range(0, ClusterSize).Select(i => AskAsync(i, round.Token)).ToList();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            if (!done.IsCompletedSuccessfully)
            {
                continue;
            }
            var (index, report) = done.Result;
            byte[]? chosen = report.Chosen ?? (report.Accepted is { } accepted ? learner.Observe(index, accepted) : null);
            if (chosen is not null)
            {
                await _local.DecideAsync(instanceId, chosen, cancellationToken).ConfigureAwait(false);
                return chosen;
            }
        }
        return null;

        async Task<(int, LearnReport)> AskAsync(int index, CancellationToken token) =>
            (index, await _acceptors[index].LearnAsync(instanceId, token).ConfigureAwait(false));
    }

    private async Task<Ballot> StartRoundAsync(Proposer proposer, CancellationToken cancellationToken)
    {
        ulong floor = await _local.LastProposerRoundAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var ballot = proposer.StartRound(new Ballot(floor, _self));
            // Persist the ballot before any Prepare carries it: a restarted node never reuses one,
            // and two proposals running on this node at once never share one.
            var (reserved, highestRound) = await _local.ReserveBallotAsync(ballot, cancellationToken).ConfigureAwait(false);
            if (reserved)
            {
                return ballot;
            }
            floor = highestRound;
        }
    }

    private async Task<(ProposerAction Action, int Answered)> RunRoundAsync(string instanceId, Proposer proposer, Ballot ballot, CancellationToken cancellationToken)
    {
        using var round = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        round.CancelAfter(_roundTimeout);
        var (action, answered) = await BroadcastAsync(
            ClusterSize, acceptor => acceptor.PrepareAsync(instanceId, ballot, round.Token), proposer.OnPromise).ConfigureAwait(false);
        if (action is not ProposerAction.SendAccept send)
        {
            return (action, answered);
        }
        if (_testHooks.StallAfterAccepts is { } stallAfter)
        {
            await BroadcastAsync(Math.Min(stallAfter, ClusterSize), acceptor => acceptor.AcceptAsync(instanceId, send.Proposal, round.Token), (_, _) => ProposerAction.Wait.Instance).ConfigureAwait(false);
            LogStalled(instanceId, stallAfter);
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        return await BroadcastAsync(
            ClusterSize, acceptor => acceptor.AcceptAsync(instanceId, send.Proposal, round.Token), proposer.OnAcceptReply).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends one request to the first <paramref name="count"/> acceptors in parallel and feeds
    /// replies, one at a time, to <paramref name="onReply"/> until it asks for something other
    /// than waiting, or every acceptor answered or failed. Unreachable acceptors just don't count.
    /// </summary>
    private async Task<(ProposerAction Action, int Answered)> BroadcastAsync<TReply>(
        int count, Func<IAcceptorPeer, Task<TReply>> send, Func<int, TReply, ProposerAction> onReply)
    {
        var pending = new List<Task<(int Index, TReply Reply)>>(count);
        for (int i = 0; i < count; i++)
        {
            pending.Add(CallAsync(i));
        }
        int answered = 0;
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            if (!done.IsCompletedSuccessfully)
            {
                continue;
            }
            answered++;
            var action = onReply(done.Result.Index, done.Result.Reply);
            if (action is not ProposerAction.Wait)
            {
                return (action, answered);
            }
        }
        return (ProposerAction.Wait.Instance, answered);

        async Task<(int, TReply)> CallAsync(int index) => (index, await send(_acceptors[index]).ConfigureAwait(false));
    }

    /// <summary>
    /// Tells every other learner the chosen value, retrying a peer that does not answer (a few
    /// times, with growing pauses). A peer that still misses it learns it when asked (Learn).
    /// </summary>
    private void AnnounceInBackground(string instanceId, byte[] value)
    {
        for (int i = 0; i < ClusterSize; i++)
        {
            if (i == _self)
            {
                continue;
            }
            var peer = _acceptors[i];
            _ = Task.Run(async () =>
            {
                for (int attempt = 0; attempt < AnnounceAttempts; attempt++)
                {
                    using var timeout = new CancellationTokenSource(AnnounceTimeout);
                    try
                    {
                        await peer.DecideAsync(instanceId, value, timeout.Token).ConfigureAwait(false);
                        return;
                    }
                    catch (Exception e) when (e is not InvariantViolationException)
                    {
                        LogAnnounceFailed(instanceId, e.Message);
                    }
                    await Task.Delay(TimeSpan.FromMilliseconds(200 << attempt)).ConfigureAwait(false);
                }
            });
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "instance '{InstanceId}': value chosen in ballot {Ballot} after {Attempts} round(s)")]
    private partial void LogChosen(string instanceId, Ballot ballot, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "instance '{InstanceId}': round {Ballot} failed ({Answered} acceptors answered); retrying in {DelayMs} ms")]
    private partial void LogRetry(string instanceId, Ballot ballot, int answered, int delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "instance '{InstanceId}': planted stall after {Count} accepts reached; stalling")]
    private partial void LogStalled(string instanceId, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "instance '{InstanceId}': could not announce the chosen value to a peer: {Reason}")]
    private partial void LogAnnounceFailed(string instanceId, string reason);
}
