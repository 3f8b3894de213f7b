namespace Paxos.Cli.Commands;

/// <summary>Exit codes and the one-line error report of every command (CONTRACT.md section 3).</summary>
internal static class CliError
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadUsage = 2;
    public const int Unavailable = 3;

    public static int Report(int code, string message)
    {
        Console.Error.WriteLine("error: " + message.ReplaceLineEndings(" "));
        return code;
    }
}
