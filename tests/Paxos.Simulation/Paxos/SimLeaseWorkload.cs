using Paxos.Checking;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// The lease a simulated client holds, as a service registering itself would: now and then it
/// grants one (TTL 1 to 2.5 s, the contract allows 1 s at least), keeps it alive every third of its TTL (counted from when it
/// invoked the last acknowledged renewal) for 0.5 to 4 s, puts some of its values with it, and then
/// revokes it or abandons it to expire. A keep-alive that finds no lease, or a grant whose answer
/// is lost, ends the holding. Off (<paramref name="on"/> false), it never grants one.
/// </summary>
internal sealed class SimLeaseWorkload(SimRandom random, bool on)
{
    private ulong _lease;
    private TimeSpan _ttl;
    private TimeSpan _renewed;
    private TimeSpan _holdUntil;

    /// <summary>The lease held now, or 0.</summary>
    public ulong Lease => _lease;

    /// <summary>The lease operation due at <paramref name="now"/>, or null (the client does something else).</summary>
    public KvInput? Next(TimeSpan now)
    {
        if (_lease == 0)
        {
            return on && random.Chance(0.05) ? KvInput.LeaseGrant(random.NextInt(1000, 2500)) : null;
        }

        if (now >= _holdUntil)
        {
            ulong lease = _lease;
            _lease = 0;
            return random.Chance(0.5) ? KvInput.LeaseRevoke(lease) : null; // or left to expire
        }

        return now - _renewed >= _ttl / 3 ? KvInput.LeaseKeepAlive(_lease) : null;
    }

    /// <summary>The client saw <paramref name="output"/> for <paramref name="input"/>, invoked at <paramref name="invoked"/>.</summary>
    public void OnCompleted(KvInput input, KvOutput output, TimeSpan invoked, TimeSpan now)
    {
        switch (input.Kind)
        {
            case KvOperationKind.LeaseGrant:
                _lease = output.Lease;
                _ttl = TimeSpan.FromMilliseconds(input.TtlMilliseconds);
                _renewed = invoked;
                _holdUntil = now + random.NextDuration(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(4));
                break;
            case KvOperationKind.LeaseKeepAlive when input.Lease == _lease:
                if (output.Found)
                {
                    _renewed = invoked;
                }
                else
                {
                    _lease = 0;
                }

                break;
        }
    }
}
