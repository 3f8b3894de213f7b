namespace Paxos.Core;

/// <summary>
/// A deterministic state machine replicated by the Multi-Paxos log. Library users implement this;
/// the key-value store is one implementation. Every replica applies the same commands in the same
/// slot order, exactly once, so every replica's state is the same after the same slot.
/// </summary>
public interface IStateMachine
{
    /// <summary>
    /// Applies a chosen command and returns its result (sent back to the client that replicated
    /// it). <paramref name="index"/> is the command's position in the log of all commands: one per
    /// command, strictly growing, the same on every replica. Must be deterministic: no clocks,
    /// randomness or I/O.
    /// </summary>
    byte[] Apply(ulong index, ReadOnlySpan<byte> command);

    /// <summary>Writes the whole state (as of the last applied slot) to <paramref name="destination"/>.</summary>
    void WriteSnapshot(Stream destination);

    /// <summary>
    /// Captures the whole state as of the last applied slot, on the apply loop, and returns what writes it: the node
    /// runs that writer on another thread while <see cref="Apply"/> goes on, so what it writes must not change with
    /// later commands, and it must write what <see cref="WriteSnapshot"/> would have written at the capture. The
    /// default writes <see cref="WriteSnapshot"/> into memory now (the loop pays for the encoding, not for the
    /// file; the copy is held until the file is written, and a memory stream holds at most 2 GiB); a state
    /// machine whose values are immutable can copy its tables instead, as the key-value store does.
    /// </summary>
    Action<Stream> CaptureSnapshot()
    {
        var captured = new MemoryStream();
        WriteSnapshot(captured);
        return destination => captured.WriteTo(destination);
    }

    /// <summary>
    /// Replaces the whole state with one written by <see cref="WriteSnapshot"/>. If it throws (a snapshot a peer
    /// sent that does not parse), the state must be left as it was: the node refuses that snapshot and carries on.
    /// </summary>
    void RestoreSnapshot(Stream source);

    /// <summary>
    /// How many leading bytes of <paramref name="command"/> identify it (for example a client id and a
    /// request id) such that this state machine applies it at most once under that identity and
    /// answers a repeat with the first result; 0 if it has no identity (the default). A leader lets a
    /// byte-identical retry of an identified command that is still waiting for the log wait for that
    /// one instead of taking a slot of its own: retries then cannot crowd out new writes. Must not
    /// throw, whatever the bytes.
    /// </summary>
    int IdentityLength(ReadOnlySpan<byte> command) => 0;
}
