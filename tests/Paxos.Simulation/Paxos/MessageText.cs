using System.Globalization;
using Paxos.Core.Replication;

namespace Paxos.Simulation.Paxos;

/// <summary>Renders the core's messages for the trace: ballots, commit indexes and slot ranges, not object dumps.</summary>
internal static class MessageText
{
    /// <summary>A one-line description of <paramref name="message"/>.</summary>
    public static string Describe(ReplicaMessage message) => message switch
    {
        Prepare m => Text($"Prepare b={m.Ballot} from slot {m.FromSlot}"),
        Promise m => Text($"Promise b={m.Ballot} commit={m.CommitIndex} accepted={Entries(m.Accepted)}"),
        Nack m => Text($"Nack rejected={m.Rejected} promised={m.Promised}"),
        Accept m => Text($"Accept b={m.Ballot} commit={m.CommitIndex} {Entries(m.Entries)}"),
        AcceptReply m => Text($"AcceptReply b={m.Ballot} slots=[{string.Join(",", m.Slots)}] commit={m.CommitIndex}"),
        Heartbeat m => Text($"Heartbeat b={m.Ballot} commit={m.CommitIndex} round={m.Round}"),
        HeartbeatReply m => Text($"HeartbeatReply b={m.Ballot} round={m.Round} commit={m.CommitIndex} last={m.LastAccepted}"),
        CatchUpRequest m => Text($"CatchUpRequest from slot {m.FromSlot}"),
        CatchUp m => Text($"CatchUp commit={m.CommitIndex} {Entries(m.Entries)}"),
        ReadIndexRequest m => Text($"ReadIndexRequest token={m.Token}"),
        ReadIndexReply m => Text($"ReadIndexReply b={m.Ballot} token={m.Token} index={m.Index}"),
        TakeOver m => Text($"TakeOver b={m.Ballot} commit={m.CommitIndex}"),
        PreVote m => Text($"PreVote b={m.Ballot}"),
        PreVoteReply m => Text($"PreVoteReply b={m.Ballot} {(m.Granted ? "granted" : "refused")} promised={m.Promised}"),
        _ => message.GetType().Name,
    };

    private static string Entries(IReadOnlyList<LogEntry> entries) =>
        "[" + string.Join(", ", entries.Select(e => Text($"{e.Slot}@{e.Ballot}:{(e.Value.IsNoOp ? "no-op" : e.Value.Membership is { } m ? $"members {m.Voters:x}/{m.Learners:x}" : e.Value.Commands.Count + " cmd")}"))) + "]";

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
