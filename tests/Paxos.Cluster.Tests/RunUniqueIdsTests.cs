using Paxos.Node.Replication;

namespace Paxos.Cluster.Tests;

/// <summary>Read tokens and forward ids: unique across a node's runs without the clock.</summary>
public sealed class RunUniqueIdsTests
{
    [Fact]
    public void Ids_count_up_from_the_incarnation_and_skip_zero_when_they_wrap()
    {
        var ids = new RunUniqueIds(ulong.MaxValue - 1);

        Assert.Equal([ulong.MaxValue, 1ul, 2ul], new[] { ids.Next(), ids.Next(), ids.Next() });
    }

    [Fact]
    public void Each_run_starts_at_its_own_random_incarnation()
    {
        ulong first = RunUniqueIds.StartRandom().Next();
        ulong second = RunUniqueIds.StartRandom().Next();

        Assert.NotEqual(first, second); // equal with a chance of 2^-64
    }
}
