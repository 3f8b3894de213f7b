using Paxos.Core;
using Paxos.Core.Replication;

namespace Paxos.Node.Replication;

/// <summary>
/// The commands a node that does not lead handed to the leader it knows, each waiting for that
/// node's <see cref="ForwardResult"/>. The node answers even after it lost the leadership (its
/// proposals' fate is settled when it learns their slots), so a forward outlives a leader change by
/// a grace period; one whose node stopped, or that no answer reaches, fails as outcome unknown.
/// Deadlines are counted in ticks of the replica's clock.
/// </summary>
internal sealed class ForwardedProposals
{
    /// <summary>A command forwarded to the leader that has no answer after this long fails as outcome unknown.</summary>
    private static readonly TimeSpan ForwardTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Once the node a command was forwarded to no longer leads, how long it still has to answer: a
    /// running node settles its proposals once the new leader's phase 1 has decided their slots and
    /// it has applied them (with slots of 1 MiB values on a loaded machine, more than a second: at
    /// 1 s such writes failed as outcome unknown although they were applied); a stopped one never
    /// answers, and its callers should hear so without waiting for their deadlines.
    /// </summary>
    private static readonly TimeSpan ForwardGraceAfterLeaderChange = TimeSpan.FromSeconds(5);

    /// <summary>How long a command forwarded to a deposed leader whose stream is down still waits for an answer.</summary>
    private static readonly TimeSpan ForwardGraceAfterLeaderGone = TimeSpan.FromSeconds(1);

    private readonly int _self;
    private readonly IReplicaPeers _peers;
    private readonly RunUniqueIds _ids;
    private readonly int _capacity;
    private readonly long _timeoutTicks;
    private readonly long _graceTicks;
    private readonly long _goneTicks;
    private readonly Dictionary<ulong, Forward> _waiting = [];

    private readonly bool _plantForwardTwice;

    /// <param name="self">This node's index.</param>
    /// <param name="peers">Where forwards are sent, and whether a peer's stream is down.</param>
    /// <param name="ids">Forward ids, unique across runs of this node.</param>
    /// <param name="capacity">The most forwards waiting for an answer at once.</param>
    /// <param name="tick">How long one tick lasts (timeouts are counted in ticks).</param>
    /// <param name="plantForwardTwice">Planted bug for the simulator only (<see cref="ReplicaTestHooks.ForwardTwice"/>).</param>
    public ForwardedProposals(int self, IReplicaPeers peers, RunUniqueIds ids, int capacity, TimeSpan tick, bool plantForwardTwice)
    {
        _plantForwardTwice = plantForwardTwice;
        _self = self;
        _peers = peers;
        _ids = ids;
        _capacity = capacity;
        _timeoutTicks = Ticks(ForwardTimeout, tick);
        _graceTicks = Ticks(ForwardGraceAfterLeaderChange, tick);
        _goneTicks = Ticks(ForwardGraceAfterLeaderGone, tick);
    }

    /// <summary>
    /// Hands <paramref name="proposal"/> to <paramref name="leader"/>; false if there is no leader to
    /// hand it to, or its stream is down (it likely crashed): the command is then certainly not
    /// proposed and may be retried. <paramref name="now"/> is the replica's tick count.
    /// </summary>
    public bool TryForward(LocalProposal proposal, int leader, long now)
    {
        if (leader < 0 || leader == _self || _peers.IsDown(leader))
        {
            return false;
        }
        if (_waiting.Count >= _capacity)
        {
            proposal.Answer(ReplicaOutcome<ReplicationResult>.Overloaded($"{_waiting.Count} forwarded commands are already waiting for the leader"));
            return true;
        }
        ulong id = _ids.Next(); // a late answer to an earlier run's forward must match nothing
        _waiting.Add(id, new Forward(proposal, leader) { ExpiresAt = now + _timeoutTicks });
        _peers.Send(new ForwardProposal(_self, leader, id, proposal.Command));
        if (_plantForwardTwice)
        {
            _peers.Send(new ForwardProposal(_self, leader, _ids.Next(), proposal.Command));
        }
        return true;
    }

    /// <summary>The answer of the node a command went to resolves it; answers nothing waits for are ignored.</summary>
    public void Complete(ForwardResult answer)
    {
        if (!_waiting.TryGetValue(answer.Id, out var forward) || forward.Leader != answer.From)
        {
            return; // already failed (timed out, leader changed) or not ours: nothing waits for it
        }
        _waiting.Remove(answer.Id);
        forward.Proposal.Answer(ForwardOutcome.OutcomeOf(answer));
    }

    /// <summary>Forwards to a node other than <paramref name="leader"/> get <see cref="ForwardGraceAfterLeaderChange"/> more to be answered.</summary>
    public void ShortenNotTo(int leader, long now)
    {
        foreach (var forward in _waiting.Values)
        {
            if (forward.Leader != leader)
            {
                forward.ExpiresAt = Math.Min(forward.ExpiresAt, now + _graceTicks);
            }
        }
    }

    /// <summary>Forgets forwards whose callers gave up, and fails those left unanswered past their time.</summary>
    public void Sweep(int leader, long now)
    {
        foreach (var (id, forward) in _waiting)
        {
            if (forward.Leader != leader && _peers.IsDown(forward.Leader))
            {
                // A deposed leader that is gone will never answer: its callers hear so soon.
                forward.ExpiresAt = Math.Min(forward.ExpiresAt, now + _goneTicks);
            }
            if (now >= forward.ExpiresAt)
            {
                forward.Proposal.Answer(ReplicaOutcome<ReplicationResult>.Unknown($"node {forward.Leader}, which the command was forwarded to, did not answer in time"));
            }
            if (forward.Proposal.IsDone)
            {
                _waiting.Remove(id);
            }
        }
    }

    /// <summary>Fails every forward still waiting with <paramref name="reason"/>: the node stops.</summary>
    public void FailAll(Exception reason)
    {
        foreach (var forward in _waiting.Values)
        {
            forward.Proposal.Fail(reason);
        }
        _waiting.Clear();
    }

    private static long Ticks(TimeSpan span, TimeSpan tick) => Math.Max(1, (long)Math.Ceiling(span / tick));

    /// <summary>A command forwarded to <paramref name="Leader"/>; it fails as outcome unknown at tick <see cref="ExpiresAt"/>.</summary>
    private sealed record Forward(LocalProposal Proposal, int Leader)
    {
        public long ExpiresAt { get; set; }
    }
}
