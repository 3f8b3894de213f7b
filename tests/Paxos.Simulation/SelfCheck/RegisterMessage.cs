using Paxos.Simulation.Checking;

namespace Paxos.Simulation.SelfCheck;

/// <summary>A message between register clients and the register server.</summary>
internal abstract record RegisterMessage;

/// <summary>A client asks the server to run <paramref name="Input"/>; retries reuse the sequence number.</summary>
/// <param name="Client">The client's node id.</param>
/// <param name="Sequence">Unique per client across restarts; the server runs each at most once.</param>
/// <param name="Input">The operation.</param>
internal sealed record RegisterRequest(int Client, long Sequence, KvInput Input) : RegisterMessage
{
    public override string ToString() => $"Request c{Client}#{Sequence} {Input}";
}

/// <summary>The server's answer to a request.</summary>
/// <param name="Client">The client's node id.</param>
/// <param name="Sequence">The request's sequence number.</param>
/// <param name="Kind">The operation's kind (to render the output).</param>
/// <param name="Output">The result.</param>
internal sealed record RegisterResponse(int Client, long Sequence, KvOperationKind Kind, KvOutput Output) : RegisterMessage
{
    public override string ToString() => $"Response c{Client}#{Sequence} {Output.Describe(Kind)}";
}
