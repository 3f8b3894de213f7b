using Grpc.Core;

namespace Paxos.Client;

/// <summary>A call of <see cref="PaxosClient"/> failed; the derived type says how.</summary>
public abstract class PaxosException : Exception
{
    private protected PaxosException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// No node completed the call before its deadline: no node could be reached, or the nodes reached
/// could not reach a majority. A write that gets this was never delivered to a node, so it was not
/// applied; a write that may have been delivered gets <see cref="PaxosOutcomeUnknownException"/> instead.
/// </summary>
public sealed class PaxosNoQuorumException : PaxosException
{
    internal PaxosNoQuorumException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A write was sent to a node, and it and every retry (with the same client and request id, so the
/// write is applied at most once) failed to get an answer before the deadline. The write may or may
/// not have been applied; read the key to find out.
/// </summary>
public sealed class PaxosOutcomeUnknownException : PaxosException
{
    internal PaxosOutcomeUnknownException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The cluster refused a membership change or a leadership transfer (gRPC FAILED_PRECONDITION), and
/// nothing changed: another change is in progress, the change would leave no voter, the learner to
/// promote has not caught up yet (retry later), the node named is not a voter, and the like. The
/// message gives the cluster's reason.
/// </summary>
public sealed class PaxosRefusedException : PaxosException
{
    internal PaxosRefusedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A node answered with an error this client does not retry (other than INVALID_ARGUMENT, which is
/// <see cref="PaxosInvalidArgumentException"/>): <see cref="StatusCode"/> says which, the message why.
/// </summary>
public sealed class PaxosRpcException : PaxosException
{
    internal PaxosRpcException(StatusCode statusCode, string message, Exception? innerException)
        : base(message, innerException) => StatusCode = statusCode;

    /// <summary>The gRPC status code of the node's answer.</summary>
    public StatusCode StatusCode { get; }
}

/// <summary>
/// The cluster rejected the request as invalid (gRPC INVALID_ARGUMENT): an empty key, a key over
/// 1024 UTF-8 bytes, a value over 1 MiB, or the like. Nothing was applied; retrying will not help.
/// </summary>
public sealed class PaxosInvalidArgumentException : ArgumentException
{
    internal PaxosInvalidArgumentException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A watch asked for changes the cluster has compacted away (its start index, or the index after
/// the last change it delivered, is too old). Read the current state and watch again from
/// <see cref="CompactedIndex"/> or later.
/// </summary>
public sealed class PaxosWatchCompactedException : PaxosException
{
    internal PaxosWatchCompactedException(ulong requested, ulong compactedIndex, Exception? innerException)
        : base($"the cluster no longer has the changes from index {requested}; a watch can start from index {compactedIndex}", innerException)
    {
        RequestedIndex = requested;
        CompactedIndex = compactedIndex;
    }

    /// <summary>The first index the watch asked for.</summary>
    public ulong RequestedIndex { get; }

    /// <summary>The lowest start index the node could serve (0 if it did not say).</summary>
    public ulong CompactedIndex { get; }
}
