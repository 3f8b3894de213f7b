namespace Paxos.Core.Tests;

/// <summary>What <see cref="IStateMachine"/> gives an implementation that writes only <see cref="IStateMachine.WriteSnapshot"/>.</summary>
public sealed class StateMachineTests
{
    /// <summary>The default capture writes the state as of the capture, however many commands are applied before its writer runs.</summary>
    [Fact]
    public void The_default_capture_writes_the_state_of_the_capture_not_of_the_write()
    {
        IStateMachine counter = new Counter();
        counter.Apply(1, [5]);
        Action<Stream> capture = counter.CaptureSnapshot();
        counter.Apply(2, [7]);

        using var written = new MemoryStream();
        capture(written);

        Assert.Equal([5], written.ToArray());
    }

    /// <summary>Sums the bytes of its commands; its snapshot is the sum's low byte.</summary>
    private sealed class Counter : IStateMachine
    {
        private int _sum;

        public byte[] Apply(ulong index, ReadOnlySpan<byte> command)
        {
            foreach (byte b in command)
            {
                _sum += b;
            }
            return [];
        }

        public void WriteSnapshot(Stream destination) => destination.WriteByte((byte)_sum);

        public void RestoreSnapshot(Stream source) => _sum = source.ReadByte();
    }
}
