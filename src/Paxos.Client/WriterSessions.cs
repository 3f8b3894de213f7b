using System.Collections.Concurrent;
using System.Globalization;

namespace Paxos.Client;

/// <summary>
/// The ids under which writes are deduplicated. The cluster remembers only the latest request of
/// each client id and takes a lower request id as stale, so each id may have one write in flight at
/// a time: a write takes a session (the client id for the first, <c>id/1</c>, <c>id/2</c>, ... for
/// concurrent ones) for its whole life, retries included, and gives it back when done. A session
/// given back after an unknown outcome is safe to reuse: its next request id is higher, so a late
/// copy of the earlier write is taken as stale and not applied.
/// </summary>
internal sealed class WriterSessions(string clientId)
{
    private readonly ConcurrentStack<Session> _idle = new();
    private int _created;

    public Session Take()
    {
        if (_idle.TryPop(out var session))
        {
            return session;
        }
        int number = Interlocked.Increment(ref _created) - 1;
        return new Session(number == 0 ? clientId : clientId + "/" + number.ToString(CultureInfo.InvariantCulture));
    }

    public void Return(Session session) => _idle.Push(session);

    internal sealed class Session(string clientId)
    {
        private ulong _lastRequestId;

        public string ClientId { get; } = clientId;

        /// <summary>The id of the session's next write; only the one write holding the session calls this.</summary>
        public ulong NextRequestId() => ++_lastRequestId;
    }
}
