using Paxos.Checking;

namespace Paxos.Cluster.Tests.Chaos;

/// <summary>What one chaos client did: operations with a known and an unknown outcome per kind, and writes that needed more than one attempt.</summary>
internal sealed class ChaosClientStats
{
    private readonly int[] _known = new int[4];
    private readonly int[] _unknown = new int[4];

    public int Retried { get; private set; }

    public int Known(KvOperationKind kind) => _known[(int)kind];

    public int Unknown(KvOperationKind kind) => _unknown[(int)kind];

    public void Count(KvOperationKind kind, bool known, int attempts)
    {
        (known ? _known : _unknown)[(int)kind]++;
        if (attempts > 1)
        {
            Retried++;
        }
    }
}
