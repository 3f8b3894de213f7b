using Paxos.Node.SingleDecree;

namespace Paxos.Node.Hosting;

/// <summary>
/// One single-decree Paxos instance, seen from a program that embeds a node: propose a value and
/// get the chosen one, or read what was learned. Instances are independent; each chooses one value.
/// </summary>
public sealed class ConsensusInstance
{
    private readonly SingleDecreeEngine _engine;

    internal ConsensusInstance(SingleDecreeEngine engine, string id)
    {
        _engine = engine;
        Id = id;
    }

    /// <summary>The instance's id: each id chooses one value, once.</summary>
    public string Id { get; }

    /// <summary>Proposes <paramref name="value"/> and returns the chosen value (another proposer's, if that one won).</summary>
    /// <exception cref="NoQuorumException">No majority answered before <paramref name="cancellationToken"/> fired.</exception>
    public async Task<byte[]> ProposeAsync(byte[] value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        var outcome = await _engine.ProposeAsync(Id, value, cancellationToken).ConfigureAwait(false);
        return outcome.ChosenValue;
    }

    /// <summary>The chosen value, or null while none is known to be chosen (asks the other nodes if this one has not learned it).</summary>
    public Task<byte[]?> GetLearnedValueAsync(CancellationToken cancellationToken) =>
        _engine.GetLearnedAsync(Id, askPeers: true, cancellationToken);
}
