using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Paxos.Core;
using Paxos.KeyValue;
using Paxos.Node.Leases;
using Paxos.Node.Replication;

namespace Paxos.Cluster.Tests.Leases;

/// <summary>The leader's lease keeper on a fake log and a fake clock: never early, renewed without a log write, reset on leading.</summary>
public sealed class LeaseKeeperTests : IAsyncDisposable
{
    private static readonly Ballot First = new(3, 0);
    private static readonly Ballot Second = new(4, 1);

    private readonly FakeTimeProvider _time = new();
    private readonly FakeLeaseLog _log = new();
    private readonly LeaseKeeper _keeper;

    public LeaseKeeperTests()
    {
        _keeper = new LeaseKeeper(_log, _log.Store, _time, NullLogger<LeaseKeeper>.Instance);
    }

    public ValueTask DisposeAsync() => _keeper.DisposeAsync();

    [Fact]
    public async Task A_lease_left_alone_expires_at_its_ttl_and_not_a_tick_before()
    {
        ulong lease = Grant(2_000, "a", "b");
        await LeadAsync(First);

        ExpiresExactlyAfter(lease, 2_000);

        var expiry = Assert.Single(Expiries());
        Assert.Equal(First, expiry.Epoch);
        Assert.Equal(0, _log.Store.Count);
    }

    [Fact]
    public async Task A_keep_alive_renews_the_whole_ttl_without_a_log_write()
    {
        ulong lease = Grant(2_000, "a");
        await LeadAsync(First);
        int proposals = _log.Proposed.Count;
        _time.Advance(TimeSpan.FromMilliseconds(1_500));

        var renewed = await _keeper.KeepAliveAsync(lease, CancellationToken.None);

        Assert.Equal(new KeepAliveOutcome(true, 2_000), Done(renewed));
        Assert.Equal(proposals, _log.Proposed.Count);
        Assert.Equal(1, _log.Barriers);
        ExpiresExactlyAfter(lease, 2_000);
    }

    [Fact]
    public async Task Leading_in_a_new_ballot_gives_every_lease_its_whole_ttl_again()
    {
        ulong lease = Grant(2_000, "a");
        await LeadAsync(First);
        _time.Advance(TimeSpan.FromMilliseconds(1_900));

        await LeadAsync(Second); // another node led in between, unseen by this one's checks

        ExpiresExactlyAfter(lease, 2_000);
        Assert.Equal(Second, Assert.Single(Expiries()).Epoch);
    }

    [Fact]
    public async Task A_lease_granted_while_leading_gets_its_ttl_from_when_the_keeper_sees_it()
    {
        await LeadAsync(First);
        _time.Advance(TimeSpan.FromMilliseconds(5_000));
        ulong lease = Grant(1_000, "a");
        _keeper.Check();

        ExpiresExactlyAfter(lease, 1_000);
    }

    [Fact]
    public async Task No_expiry_is_proposed_before_the_epoch_is_claimed()
    {
        Grant(1_000, "a");
        _log.Hold = true;
        _log.Status = FakeLeaseLog.Leader(First);
        _keeper.Check();
        Assert.Single(_log.Proposed);

        _time.Advance(TimeSpan.FromMilliseconds(5_000));
        _keeper.Check();

        Assert.IsType<LeaseEpochCommand>(Assert.Single(_log.Proposed));
    }

    [Fact]
    public async Task A_keeper_whose_epoch_was_overtaken_proposes_no_expiry_and_renews_nothing()
    {
        ulong lease = Grant(1_000, "a");
        await LeadAsync(First);
        _log.Apply(new LeaseEpochCommand(Second)); // another leader claimed the epoch; this node's status lags

        _time.Advance(TimeSpan.FromMilliseconds(5_000));
        _keeper.Check();

        Assert.Empty(Expiries());
        Assert.True(_log.Store.TryGetLease(lease, out _));
        await Assert.ThrowsAsync<TaskCanceledException>(() => _keeper.KeepAliveAsync(lease, new CancellationTokenSource(200).Token));
    }

    [Fact]
    public async Task A_keep_alive_is_not_answered_when_leadership_changes_during_its_barrier()
    {
        ulong lease = Grant(2_000, "a");
        await LeadAsync(First);
        _log.DuringBarrier = () => _log.Status = FakeLeaseLog.Follower(2);

        var refused = await _keeper.KeepAliveAsync(lease, CancellationToken.None);

        Assert.Equal(ReplicaOutcomeKind.NotLeader, refused.Kind);
        Assert.Equal(2, refused.LeaderHint);
    }

    [Fact]
    public async Task A_follower_does_not_renew_leases()
    {
        ulong lease = Grant(2_000, "a");
        _log.Status = FakeLeaseLog.Follower(1);

        var refused = await _keeper.KeepAliveAsync(lease, CancellationToken.None);

        Assert.Equal(ReplicaOutcomeKind.NotLeader, refused.Kind);
        Assert.Equal(1, refused.LeaderHint);
        Assert.Equal(0, _log.Barriers);
    }

    [Fact]
    public async Task A_lease_whose_expiry_was_proposed_is_not_renewed_and_an_unknown_one_is_not_found()
    {
        ulong lease = Grant(1_000, "a");
        await LeadAsync(First);
        _log.Hold = true;
        _time.Advance(TimeSpan.FromMilliseconds(1_000));
        _keeper.Check();
        Assert.Single(Expiries());

        Assert.Equal(new KeepAliveOutcome(false, 0), Done(await _keeper.KeepAliveAsync(lease, CancellationToken.None)));
        Assert.Equal(new KeepAliveOutcome(false, 0), Done(await _keeper.KeepAliveAsync(lease + 100, CancellationToken.None)));
        _log.Release();
        Assert.False(_log.Store.TryGetLease(lease, out _));
    }

    private ulong Grant(long ttl, params string[] keys)
    {
        ulong lease = Assert.IsType<LeaseGrantResult>(_log.Apply(new LeaseGrantCommand(ttl))).LeaseId;
        foreach (string key in keys)
        {
            Assert.IsType<PutResult>(_log.Apply(new PutCommand(key, [1], leaseId: lease)));
        }
        return lease;
    }

    /// <summary>Makes this node lead in <paramref name="ballot"/> and waits until its keeper claimed the epoch.</summary>
    private async Task LeadAsync(Ballot ballot)
    {
        _log.Status = FakeLeaseLog.Leader(ballot);
        _keeper.Check(); // claims the epoch: the fake log applies it at once
        Assert.Equal(ballot, _log.Store.LeaseEpoch);
        _keeper.Check();
        Assert.Equal(new KeepAliveOutcome(false, 0), Done(await _keeper.KeepAliveAsync(0, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5))));
    }

    /// <summary>Checks one millisecond before <paramref name="milliseconds"/> from now (no expiry proposed) and at it (the lease is gone).</summary>
    private void ExpiresExactlyAfter(ulong lease, long milliseconds)
    {
        _time.Advance(TimeSpan.FromMilliseconds(milliseconds - 1));
        _keeper.Check();
        Assert.Empty(Expiries());
        Assert.True(_log.Store.TryGetLease(lease, out _));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        _keeper.Check();
        Assert.False(_log.Store.TryGetLease(lease, out _));
    }

    private List<LeaseExpireCommand> Expiries() => [.. _log.Proposed.OfType<LeaseExpireCommand>()];

    /// <summary>The answer of a keep-alive that was not refused.</summary>
    private static KeepAliveOutcome Done(ReplicaOutcome<KeepAliveOutcome> outcome)
    {
        Assert.True(outcome.IsDone, outcome.ToString());
        return outcome.Value;
    }
}
