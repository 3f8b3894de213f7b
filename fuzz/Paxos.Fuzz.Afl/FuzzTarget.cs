namespace Paxos.Fuzz.Afl;

/// <summary>
/// Code that reads bytes from outside, as a fuzz target: <see cref="Take"/> returns, or throws one of
/// <see cref="Refusals"/> (its documented refusal of bad input); any other exception is a crash.
/// <see cref="Seeds"/> are valid inputs, the corpus a coverage-guided fuzzer starts from.
/// </summary>
public sealed class FuzzTarget(string name, Func<IReadOnlyList<byte[]>> seeds, Action<byte[]> take, params Type[] refusals)
{
    private readonly Lazy<IReadOnlyList<byte[]>> _seeds = new(seeds);

    public string Name => name;

    public IReadOnlyList<byte[]> Seeds => _seeds.Value;

    public Type[] Refusals => refusals;

    public void Take(byte[] input) => take(input);

    /// <summary>Takes <paramref name="input"/>; a documented refusal is swallowed, anything else thrown is a crash.</summary>
    public void Run(byte[] input)
    {
        try
        {
            take(input);
        }
        catch (Exception e) when (refusals.Any(type => type.IsInstanceOfType(e)))
        {
            // refused as documented
        }
    }
}
