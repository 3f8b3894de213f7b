using Paxos.Checking;

namespace Paxos.Simulation.Tests;

public class LinearizabilityCheckerTests
{
    [Fact]
    public void AcceptsSequentialHistoryOfEveryOperation()
    {
        LinearizabilityResult result = new HistoryBuilder()
            .Get(0, "k", null, 0, 1)
            .Put(0, "k", "a", 2, 3)
            .Get(1, "k", "a", 4, 5)
            .Cas(0, "k", "a", "b", true, null, 6, 7)
            .Cas(1, "k", "a", "c", false, "b", 8, 9)
            .Cas(1, "k", null, "c", false, "b", 10, 11)
            .Delete(0, "k", true, 12, 13)
            .Delete(0, "k", false, 14, 15)
            .Cas(1, "k", null, "d", true, null, 16, 17)
            .Get(0, "k", "d", 18, 19)
            .Check();

        Assert.Equal(LinearizabilityVerdict.Linearizable, result.Verdict);
        Assert.Empty(result.Explanation);
    }

    [Fact]
    public void AcceptsConcurrentWritesInEitherOrderAsLaterReadsDecide()
    {
        // Put(2) must be linearized before Put(1), against invocation order, and the read that
        // overlaps both may see the earlier value.
        LinearizabilityResult result = new HistoryBuilder()
            .Put(0, "k", "1", 0, 10)
            .Put(1, "k", "2", 1, 10)
            .Get(2, "k", "2", 2, 3)
            .Get(2, "k", "1", 11, 12)
            .Get(3, "k", "1", 13, 14)
            .Check();

        Assert.True(result.IsLinearizable, result.Explanation);
    }

    [Fact]
    public void AcceptsUnknownOutcomeThatTookEffect()
    {
        LinearizabilityResult result = new HistoryBuilder()
            .Put(0, "k", "a", 0, 1)
            .Put(1, "k", "b", 2, null)
            .Get(2, "k", "b", 50, 51)
            .Check();

        Assert.True(result.IsLinearizable, result.Explanation);
    }

    [Fact]
    public void AcceptsUnknownOutcomeThatNeverTookEffect()
    {
        LinearizabilityResult result = new HistoryBuilder()
            .Put(0, "k", "a", 0, 1)
            .Cas(1, "k", "a", "b", false, null, 2, null)
            .Get(2, "k", "a", 50, 51)
            .Get(2, "k", "a", 60, 61)
            .Check();

        Assert.True(result.IsLinearizable, result.Explanation);
    }

    [Fact]
    public void AcceptsUnknownOutcomeTakingEffectLongAfterItsInvocation()
    {
        LinearizabilityResult result = new HistoryBuilder()
            .Put(1, "k", "b", 0, null)
            .Get(2, "k", null, 50, 51)
            .Get(2, "k", "b", 60, 61)
            .Check();

        Assert.True(result.IsLinearizable, result.Explanation);
    }

    [Fact]
    public void RejectsUnknownOutcomeThatTookEffectAndThenVanished()
    {
        LinearizabilityResult result = new HistoryBuilder()
            .Put(1, "k", "b", 0, null)
            .Get(2, "k", "b", 50, 51)
            .Get(2, "k", null, 60, 61)
            .Check();

        Assert.Equal(LinearizabilityVerdict.NotLinearizable, result.Verdict);
    }

    [Fact]
    public void RejectsStaleReadAfterCompletedWrite()
    {
        LinearizabilityResult result = new HistoryBuilder()
            .Put(0, "k", "1", 0, 1)
            .Put(0, "k", "2", 2, 3)
            .Get(1, "k", "1", 4, 5)
            .Check();

        Assert.Equal(LinearizabilityVerdict.NotLinearizable, result.Verdict);
        KeyCheckResult key = Assert.Single(result.Keys);
        Assert.Contains("#2", key.Explanation, StringComparison.Ordinal);
        Assert.Contains(key.Window, o => o.Id == 2);
    }

    [Fact]
    public void AcceptsTheSameReadWhenItOverlapsTheWrite()
    {
        LinearizabilityResult result = new HistoryBuilder()
            .Put(0, "k", "1", 0, 1)
            .Put(0, "k", "2", 2, 5)
            .Get(1, "k", "1", 4, 6)
            .Check();

        Assert.True(result.IsLinearizable, result.Explanation);
    }

    [Fact]
    public void RejectsTwoCompareAndSwapsSucceedingFromTheSameValue()
    {
        LinearizabilityResult result = new HistoryBuilder()
            .Put(0, "k", "a", 0, 1)
            .Cas(1, "k", "a", "b", true, null, 2, 10)
            .Cas(2, "k", "a", "c", true, null, 3, 9)
            .Check();

        Assert.Equal(LinearizabilityVerdict.NotLinearizable, result.Verdict);
    }

    [Fact]
    public void RejectsLostWrite()
    {
        LinearizabilityResult result = new HistoryBuilder()
            .Put(0, "k", "a", 0, 1)
            .Get(1, "k", null, 2, 3)
            .Check();

        Assert.Equal(LinearizabilityVerdict.NotLinearizable, result.Verdict);
    }

    [Fact]
    public void RejectsReadOfValueNeverWritten()
    {
        LinearizabilityResult result = new HistoryBuilder()
            .Put(0, "k", "a", 0, 10)
            .Get(1, "k", "z", 1, 9)
            .Check();

        Assert.Equal(LinearizabilityVerdict.NotLinearizable, result.Verdict);
    }

    [Fact]
    public void RejectsDeleteThatReportsAMissingKeyAfterAWrite()
    {
        LinearizabilityResult result = new HistoryBuilder()
            .Put(0, "k", "a", 0, 1)
            .Delete(1, "k", false, 2, 3)
            .Check();

        Assert.Equal(LinearizabilityVerdict.NotLinearizable, result.Verdict);
    }

    [Fact]
    public void PartitionsByKeyAndReportsOnlyTheBrokenKey()
    {
        // Per key each history is fine only if keys are independent: a value written to "x"
        // must not be readable through "y".
        LinearizabilityResult result = new HistoryBuilder()
            .Put(0, "x", "1", 0, 1)
            .Get(1, "x", "1", 2, 3)
            .Put(0, "y", "2", 0, 1)
            .Get(1, "y", "1", 4, 5)
            .Check();

        Assert.Equal(LinearizabilityVerdict.NotLinearizable, result.Verdict);
        Assert.Equal(["x", "y"], result.Keys.Select(k => k.Key));
        Assert.Equal(LinearizabilityVerdict.Linearizable, result.Keys[0].Verdict);
        Assert.Equal(LinearizabilityVerdict.NotLinearizable, result.Keys[1].Verdict);
        Assert.Contains("key \"y\"", result.Explanation, StringComparison.Ordinal);
        Assert.DoesNotContain("key \"x\"", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void ReportsInconclusiveWhenTheEffortBoundIsHit()
    {
        var builder = new HistoryBuilder();
        for (int i = 0; i < 30; i++)
        {
            builder.Put(i, "k", $"v{i}", 0, null);
        }

        builder.Get(99, "k", "never-written", 100, 101);
        LinearizabilityResult result = builder.Check(maxSteps: 5_000);

        Assert.Equal(LinearizabilityVerdict.Inconclusive, result.Verdict);
        Assert.Contains("inconclusive", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void ShrinksAViolationToTheOperationsThatMatter()
    {
        var builder = new HistoryBuilder();
        for (int i = 0; i < 50; i++)
        {
            builder.Put(0, "k", $"v{i}", i * 10, (i * 10) + 1);
            builder.Get(1, "k", $"v{i}", (i * 10) + 2, (i * 10) + 3);
        }

        builder.Get(2, "k", "v3", 1000, 1001);
        for (int i = 0; i < 20; i++)
        {
            builder.Put(0, "k", $"w{i}", 1100 + (i * 10), 1101 + (i * 10));
        }

        KeyCheckResult key = Assert.Single(builder.Check().Keys);

        Assert.Equal(LinearizabilityVerdict.NotLinearizable, key.Verdict);
        Assert.Contains(key.Window, o => o.Id == 100);
        Assert.True(key.Window.Count <= 5, key.Explanation);
        Assert.DoesNotContain(key.Window, o => o.Invoked > TimeSpan.FromMilliseconds(1001));
    }

    [Fact]
    public void RejectsDuplicateOperationIds()
    {
        HistoryOperation op = new(1, 0, KvInput.Get("k"), TimeSpan.Zero, TimeSpan.FromTicks(1), KvOutput.GetResult(false, null));

        Assert.Throws<ArgumentException>(() => new LinearizabilityChecker().Check([op, op]));
    }
}
