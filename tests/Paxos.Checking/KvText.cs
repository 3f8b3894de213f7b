namespace Paxos.Checking;

/// <summary>Values as traces and reports show them: a long value (up to the contract's 1 MiB) by its start and length.</summary>
public static class KvText
{
    private const int Shown = 24;

    /// <summary><paramref name="value"/> itself if short, else its first characters and its length.</summary>
    public static string? Abbreviate(string? value) =>
        value is null || value.Length <= Shown ? value : $"{value[..Shown]}…({value.Length} chars)";
}
