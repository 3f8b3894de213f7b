namespace Paxos.Core.SingleDecree;

/// <summary>What the driver of a <see cref="Proposer"/> must do next.</summary>
public abstract record ProposerAction
{
    private ProposerAction() { }

    /// <summary>Nothing to do: keep waiting for replies.</summary>
    public sealed record Wait : ProposerAction
    {
        /// <summary>The one instance.</summary>
        public static readonly Wait Instance = new();
    }

    /// <summary>Phase 2a: send Accept(proposal) to every acceptor.</summary>
    public sealed record SendAccept(Proposal Proposal) : ProposerAction;

    /// <summary>The value is chosen: tell every learner.</summary>
    public sealed record Decided(byte[] Value) : ProposerAction;

    /// <summary>The round failed (an acceptor promised a higher ballot): back off, then start a new round.</summary>
    public sealed record Retry(Ballot HigherBallot) : ProposerAction;
}
