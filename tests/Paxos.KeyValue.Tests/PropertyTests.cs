namespace Paxos.KeyValue.Tests;

public class PropertyTests
{
    private static readonly string[] Keys = ["a", "b", "c", "d", "ü-key", "🔑"];
    private static readonly string[] Values = ["", "x", "y", "zz"];
    private static readonly string[] Clients = ["", "", "p", "q", "r"];

    /// <summary>
    /// Random command sequences (puts, deletes, compare-and-swaps, transactions, retries, stale
    /// requests, invalid keys) applied to a model and to two replicas, the second snapshotted and
    /// restored into a fresh instance midway: every result matches the model and the other replica,
    /// and the end states are equal, also as listed in UTF-8 byte order.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(10)]
    public void Replicas_match_the_model_across_a_snapshot_and_restore(int seed)
    {
        const int Steps = 600;
        var random = new Random(seed);
        var model = new KeyValueModel();
        var a = new KeyValueStateMachine();
        var b = new KeyValueStateMachine();
        var lastSent = new Dictionary<string, KeyValueCommand>();
        var lastRequestId = new Dictionary<string, ulong>();
        ulong index = 0;

        for (int step = 0; step < Steps; step++)
        {
            if (step == Steps / 2)
            {
                byte[] snapshot = b.Snapshot();
                Assert.Equal(a.Snapshot(), snapshot);
                b = new KeyValueStateMachine();
                b.Restore(snapshot);
            }
            index += (ulong)random.Next(1, 4);
            KeyValueCommand command = NextCommand(random, lastSent, lastRequestId);
            byte[] encoded = KeyValueCommandCodec.Encode(command);

            byte[] fromA = a.Apply(index, encoded);
            byte[] fromB = b.Apply(index, encoded);
            KeyValueResult expected = model.Apply(index, command);

            Assert.Equal(fromA, fromB);
            if (expected is RejectedResult)
            {
                Assert.IsType<RejectedResult>(KeyValueResultCodec.Decode(fromA));
            }
            else
            {
                Assert.Equal(KeyValueResultCodec.Encode(expected), fromA);
            }
        }

        Assert.Equal(model.Data.Count, a.Count);
        Assert.Equal(model.Data.Count, b.Count);
        foreach ((string key, (byte[] value, ulong valueIndex)) in model.Data)
        {
            Assert.True(b.TryGet(key, out ReadOnlyMemory<byte> actual, out ulong actualIndex));
            Assert.Equal(value, actual.ToArray());
            Assert.Equal(valueIndex, actualIndex);
        }
        Assert.Equal(a.Snapshot(), b.Snapshot());
        string[] utf8Order = [.. model.Data.Keys.OrderBy(key => Kv.Bytes(key), Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y)))];
        Assert.Equal(utf8Order, b.List("", "", 1000).Items.Select(item => item.Key));
        Assert.Equal(utf8Order, a.List("", "", 1000).Items.Select(item => item.Key));
    }

    private static KeyValueCommand NextCommand(Random random, Dictionary<string, KeyValueCommand> lastSent, Dictionary<string, ulong> lastRequestId)
    {
        string client = Clients[random.Next(Clients.Length)];
        int roll = random.Next(100);
        if (client.Length > 0 && lastSent.TryGetValue(client, out KeyValueCommand? previous))
        {
            if (roll < 15)
            {
                return previous; // a retry
            }
            if (roll < 20 && previous.RequestId > 1)
            {
                return new DeleteCommand("a", client, previous.RequestId - 1); // a stale request
            }
        }
        ulong requestId = client.Length == 0 ? 0 : lastRequestId.GetValueOrDefault(client) + (ulong)random.Next(1, 3);
        string key = random.Next(50) == 0 ? "" : Keys[random.Next(Keys.Length)];
        byte[] Value() => Kv.Bytes(Values[random.Next(Values.Length)]);
        string Key() => random.Next(50) == 0 ? "" : Keys[random.Next(Keys.Length)];
        TxnOperation Operation() => random.Next(3) switch
        {
            0 => new TxnPut(Key(), Value()),
            1 => new TxnDelete(Key()),
            _ => new TxnGet(Key()),
        };
        TxnCompare Compare()
        {
            var op = (CompareOperator)random.Next(4);
            return random.Next(3) switch
            {
                0 => TxnCompare.OnValue(Key(), op, Value()),
                1 => TxnCompare.OnIndex(Key(), op, (ulong)random.Next(0, 40)),
                _ => TxnCompare.OnExists(Key(), (CompareOperator)random.Next(2), random.Next(2) == 0),
            };
        }
        KeyValueCommand command = random.Next(4) switch
        {
            0 => new PutCommand(key, Value(), client, requestId),
            1 => new DeleteCommand(key, client, requestId),
            2 => new CompareAndSwapCommand(key, random.Next(3) == 0, Value(), Value(), client, requestId),
            _ => new TxnCommand(
                [.. Enumerable.Range(0, random.Next(3)).Select(_ => Compare())],
                [.. Enumerable.Range(0, random.Next(4)).Select(_ => Operation())],
                [.. Enumerable.Range(0, random.Next(4)).Select(_ => Operation())],
                client,
                requestId),
        };
        if (client.Length > 0 && KeyValueLimits.ValidateCommand(command) is null)
        {
            lastSent[client] = command;
            lastRequestId[client] = requestId;
        }
        return command;
    }
}
