using Paxos.Checking;

namespace Paxos.Cluster.Tests.Chaos;

/// <summary>
/// What one chaos client did: operations with a known and an unknown outcome per kind, writes that
/// needed more than one attempt, and calls that failed in a way the contract does not allow.
/// </summary>
internal sealed class ChaosClientStats
{
    private readonly int[] _known = new int[Enum.GetValues<KvOperationKind>().Length];
    private readonly int[] _unknown = new int[Enum.GetValues<KvOperationKind>().Length];

    private readonly List<string> _failures = [];

    public int Retried { get; private set; }

    /// <summary>Calls answered with a status that is neither a result nor "no quorum in time" (INTERNAL, UNKNOWN, ...): failures of the system.</summary>
    public IReadOnlyList<string> Failures => _failures;

    public int Known(KvOperationKind kind) => _known[(int)kind];

    public int Unknown(KvOperationKind kind) => _unknown[(int)kind];

    public void Fail(string failure) => _failures.Add(failure);

    public void Count(KvOperationKind kind, bool known, int attempts)
    {
        (known ? _known : _unknown)[(int)kind]++;
        if (attempts > 1)
        {
            Retried++;
        }
    }
}
