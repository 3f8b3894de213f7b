using Paxos.Checking;

namespace Paxos.Simulation.Tests;

/// <summary>The history checker's model of Txns and lease ends, and the check that no lease expires early.</summary>
public class CoordinationCheckTests
{
    [Fact]
    public void AcceptsTxnsWhoseBranchesMatchTheirCompares()
    {
        LinearizabilityResult result = new HistoryBuilder()
            .Put(0, "a", "1", 0, 1)
            .Txn(0, KvInput.Txn("a", TxnCompareKind.Value, "1", 0, "2", "b", "2'"), true, null, 2, 3)
            .Get(1, "b", "2'", 4, 5)
            .Txn(1, KvInput.Txn("a", TxnCompareKind.Absent, null, 0, "3", "b", null), false, "2", 6, 7)
            .Txn(1, KvInput.Txn("a", TxnCompareKind.Index, "2", 3, "4", "b", null), true, null, 8, 9)
            .Get(0, "b", null, 10, 11)
            .Get(0, "a", "4", 12, 13)
            .Check();

        Assert.True(result.IsLinearizable, result.Explanation);
    }

    [Fact]
    public void RejectsATxnThatSucceededButDidNotWriteItsSecondKey()
    {
        LinearizabilityResult result = new HistoryBuilder()
            .Put(0, "b", "0", 0, 1)
            .Txn(0, KvInput.Txn("a", TxnCompareKind.Absent, null, 0, "1", "b", "1'"), true, null, 2, 3)
            .Get(1, "a", "1", 4, 5)
            .Get(1, "b", "0", 6, 7)
            .Check();

        Assert.Equal(LinearizabilityVerdict.NotLinearizable, result.Verdict);
        Assert.Contains("key \"b\"", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsATxnThatFailedButWroteItsSecondKey()
    {
        LinearizabilityResult result = new HistoryBuilder()
            .Put(0, "a", "0", 0, 1)
            .Txn(0, KvInput.Txn("a", TxnCompareKind.Absent, null, 0, "1", "b", "1'"), false, "0", 2, 3)
            .Get(1, "b", "1'", 4, 5)
            .Check();

        Assert.Equal(LinearizabilityVerdict.NotLinearizable, result.Verdict);
    }

    [Fact]
    public void ALeaseEndDeletesOnlyTheKeysWhoseValuesHoldTheLease()
    {
        LinearizabilityResult result = new HistoryBuilder()
            .Grant(0, 7, 1000, 0, 1)
            .PutWithLease(0, "a", "1", 7, 2, 3)
            .PutWithLease(0, "b", "2", 7, 4, 5)
            .Put(1, "b", "3", 6, 7) // detached from the lease
            .Expire(7, 8, 9)
            .Get(1, "a", null, 10, 11)
            .Get(1, "b", "3", 12, 13)
            .Check();

        Assert.True(result.IsLinearizable, result.Explanation);
    }

    [Fact]
    public void RejectsAKeyThatVanishesWithoutItsLeaseEnding()
    {
        LinearizabilityResult result = new HistoryBuilder()
            .Grant(0, 7, 1000, 0, 1)
            .PutWithLease(0, "a", "1", 7, 2, 3)
            .Get(1, "a", null, 4, 5)
            .Revoke(0, 7, true, 6, 7)
            .Check();

        Assert.Equal(LinearizabilityVerdict.NotLinearizable, result.Verdict);
    }

    [Fact]
    public void RejectsAKeyThatSurvivesItsAcknowledgedRevoke()
    {
        LinearizabilityResult result = new HistoryBuilder()
            .Grant(0, 7, 1000, 0, 1)
            .PutWithLease(0, "a", "1", 7, 2, 3)
            .Revoke(0, 7, true, 4, 5)
            .Get(1, "a", "1", 6, 7)
            .Check();

        Assert.Equal(LinearizabilityVerdict.NotLinearizable, result.Verdict);
    }

    [Fact]
    public void AnExpiryAfterTheTtlFromTheLastAcknowledgedRenewalIsOnTime()
    {
        HistoryBuilder history = new HistoryBuilder()
            .Grant(0, 7, 1000, 0, 10)
            .KeepAlive(0, 7, true, 500, 510)
            .KeepAlive(0, 7, false, 1200, 1210) // not renewed: it does not count
            .Expire(7, 1500, 1510);

        Assert.Null(new LeaseExpiryCheck(0).Check(history.Operations));
    }

    [Fact]
    public void AnExpiryWithinTheTtlOfAnAcknowledgedKeepAliveIsEarly()
    {
        HistoryBuilder history = new HistoryBuilder()
            .Grant(0, 7, 1000, 0, 10)
            .KeepAlive(0, 7, true, 500, 510)
            .Expire(7, 1400, 1410);

        string? failure = new LeaseExpiryCheck(0).Check(history.Operations);

        Assert.NotNull(failure);
        Assert.Contains("lease 7 (TTL 1000 ms) expired early", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void ClockDriftShortensTheTtlTheCheckDemands()
    {
        HistoryBuilder history = new HistoryBuilder()
            .Grant(0, 7, 1000, 0, 10)
            .Expire(7, 995, 1000);

        Assert.NotNull(new LeaseExpiryCheck(0).Check(history.Operations));
        Assert.Null(new LeaseExpiryCheck(0.01).Check(history.Operations));
    }
}
