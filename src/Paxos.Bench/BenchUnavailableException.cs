namespace Paxos.Bench;

/// <summary>The cluster could not be reached or did not serve the run; its message is the one-line reason.</summary>
public sealed class BenchUnavailableException : Exception
{
    /// <summary>Creates the exception with the reason shown to the user.</summary>
    public BenchUnavailableException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with no reason.</summary>
    public BenchUnavailableException()
    {
    }

    /// <summary>Creates the exception with the reason shown to the user and its cause.</summary>
    public BenchUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
