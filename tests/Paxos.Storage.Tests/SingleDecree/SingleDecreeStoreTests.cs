using Paxos.Core;
using Paxos.Core.SingleDecree;
using Paxos.Storage.SingleDecree;

namespace Paxos.Storage.Tests.SingleDecree;

public sealed class SingleDecreeStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "paxos-sd-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static InstanceRecord Sample(byte[]? chosen = null) =>
        new(new AcceptorState(new Ballot(7, 3), new Proposal(new Ballot(6, 1), "accepted"u8.ToArray())), chosen);

    [Fact]
    public void State_survives_reopening()
    {
        var store = SingleDecreeStore.Open(_directory);
        store.Save("alpha", Sample());
        store.Save("beta/γ", Sample("chosen"u8.ToArray()));
        store.SaveProposerRound(42);

        var reopened = SingleDecreeStore.Open(_directory);
        Assert.Equal(42UL, reopened.LastProposerRound);
        Assert.Equal(new Ballot(7, 3), reopened.Get("alpha").Acceptor.Promised);
        Assert.Equal("accepted"u8.ToArray(), reopened.Get("alpha").Acceptor.Accepted!.Value);
        Assert.Null(reopened.Get("alpha").Chosen);
        Assert.Equal("chosen"u8.ToArray(), reopened.Get("beta/γ").Chosen);
        Assert.Same(InstanceRecord.Empty, reopened.Get("unknown"));
    }

    [Fact]
    public void Empty_values_stay_distinct_from_nothing()
    {
        var store = SingleDecreeStore.Open(_directory);
        store.Save("x", new InstanceRecord(new AcceptorState(new Ballot(1, 0), new Proposal(new Ballot(1, 0), [])), []));
        var record = SingleDecreeStore.Open(_directory).Get("x");
        Assert.NotNull(record.Acceptor.Accepted);
        Assert.Empty(record.Acceptor.Accepted!.Value);
        Assert.NotNull(record.Chosen);
    }

    [Fact]
    public void Every_flipped_bit_is_detected()
    {
        SingleDecreeStore.Open(_directory).Save("alpha", Sample("chosen"u8.ToArray()));
        string path = Directory.GetFiles(_directory, "*.instance").Single();
        byte[] original = File.ReadAllBytes(path);
        for (int bit = 0; bit < original.Length * 8; bit++)
        {
            byte[] corrupt = (byte[])original.Clone();
            corrupt[bit / 8] ^= (byte)(1 << (bit % 8));
            File.WriteAllBytes(path, corrupt);
            var error = Assert.Throws<StorageCorruptionException>(() => SingleDecreeStore.Open(_directory));
            Assert.Equal(path, error.FilePath);
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_truncation_is_detected()
    {
        SingleDecreeStore.Open(_directory).Save("alpha", Sample());
        string path = Directory.GetFiles(_directory, "*.instance").Single();
        byte[] original = File.ReadAllBytes(path);
        for (int length = 0; length < original.Length; length++)
        {
            File.WriteAllBytes(path, original[..length]);
            Assert.Throws<StorageCorruptionException>(() => SingleDecreeStore.Open(_directory));
        }
    }

    [Fact]
    public void A_corrupt_proposer_round_is_detected()
    {
        SingleDecreeStore.Open(_directory).SaveProposerRound(9);
        string path = Path.Combine(_directory, "proposer.round");
        byte[] bytes = File.ReadAllBytes(path);
        bytes[5] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        Assert.Throws<StorageCorruptionException>(() => SingleDecreeStore.Open(_directory));
    }

    [Fact]
    public void An_unfinished_atomic_write_is_ignored()
    {
        var store = SingleDecreeStore.Open(_directory);
        store.Save("alpha", Sample());
        string path = Directory.GetFiles(_directory, "*.instance").Single();
        File.WriteAllBytes(path + DurableFile.TemporarySuffix, [1, 2, 3]);
        Assert.Equal(new Ballot(7, 3), SingleDecreeStore.Open(_directory).Get("alpha").Acceptor.Promised);
        Assert.False(File.Exists(path + DurableFile.TemporarySuffix));
    }

    [Fact]
    public void A_lower_promise_or_a_changed_chosen_value_is_refused()
    {
        var store = SingleDecreeStore.Open(_directory);
        store.Save("alpha", Sample("one"u8.ToArray()));
        Assert.Throws<InvariantViolationException>(() => store.Save("alpha", InstanceRecord.Empty with { Chosen = "one"u8.ToArray() }));
        Assert.Throws<InvariantViolationException>(() => store.Save("alpha", Sample("two"u8.ToArray())));
        Assert.Throws<InvariantViolationException>(() => store.SaveProposerRound(0));
    }
}
