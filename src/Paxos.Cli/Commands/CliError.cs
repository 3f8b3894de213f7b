namespace Paxos.Cli.Commands;

/// <summary>Exit codes and the one-line error report of every command (CONTRACT.md sections 3 and 4).</summary>
internal static class CliError
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadUsage = 2;
    public const int Unavailable = 3;

    /// <summary>A membership change or transfer refused (FAILED_PRECONDITION): nothing changed (CONTRACT.md section 4).</summary>
    public const int Refused = 4;

    public static int Report(int code, string message)
    {
        Console.Error.WriteLine("error: " + message.ReplaceLineEndings(" "));
        return code;
    }
}
