namespace Paxos.Bench;

/// <summary>Bad options or input given to <c>paxos bench</c>; its message is the one-line reason shown to the user.</summary>
public sealed class BenchUsageException : Exception
{
    /// <summary>Creates the exception with the reason shown to the user.</summary>
    public BenchUsageException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with no reason.</summary>
    public BenchUsageException()
    {
    }

    /// <summary>Creates the exception with the reason shown to the user and its cause.</summary>
    public BenchUsageException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
