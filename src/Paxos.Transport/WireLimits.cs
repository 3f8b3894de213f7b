namespace Paxos.Transport;

/// <summary>Sizes the wire accepts. Requests over them get INVALID_ARGUMENT, never a crash.</summary>
public static class WireLimits
{
    /// <summary>Largest value a client may propose or write: 1 MiB.</summary>
    public const int MaxValueBytes = 1024 * 1024;

    /// <summary>Largest single-decree instance id, in UTF-8 bytes.</summary>
    public const int MaxInstanceIdBytes = 100;

    /// <summary>Largest gRPC message a node receives; above the value limit so oversized values get a clear error.</summary>
    public const int MaxMessageBytes = 4 * 1024 * 1024;
}
