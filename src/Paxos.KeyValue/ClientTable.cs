using System.Diagnostics.CodeAnalysis;
using Paxos.Core;

namespace Paxos.KeyValue;

/// <summary>
/// The exactly-once table: the latest write of each client, ordered by the index of that write.
/// Since indexes grow strictly, that order is least recently written first, the same on every
/// replica; eviction takes from its front, so all replicas forget the same clients.
/// </summary>
internal sealed class ClientTable
{
    private readonly Dictionary<string, LinkedListNode<ClientRecord>> _byClient = new(StringComparer.Ordinal);
    private readonly LinkedList<ClientRecord> _byLastWrite = new();

    public int Count => _byClient.Count;

    /// <summary>The total size of the cached results.</summary>
    public long CachedResultBytes { get; private set; }

    /// <summary>The records, least recently written first.</summary>
    public IEnumerable<ClientRecord> OldestFirst => _byLastWrite;

    public bool TryGet(string clientId, [MaybeNullWhen(false)] out ClientRecord record)
    {
        if (_byClient.TryGetValue(clientId, out LinkedListNode<ClientRecord>? node))
        {
            record = node.Value;
            return true;
        }
        record = null;
        return false;
    }

    /// <summary>Makes <paramref name="record"/> the client's latest write, the most recent of all.</summary>
    public void Record(ClientRecord record)
    {
        Invariant.Check(
            _byLastWrite.Last is null || _byLastWrite.Last.Value.LastWriteIndex < record.LastWriteIndex,
            "client writes must be recorded in increasing index order");
        if (_byClient.Remove(record.ClientId, out LinkedListNode<ClientRecord>? old))
        {
            Unlink(old);
        }
        _byClient.Add(record.ClientId, _byLastWrite.AddLast(record));
        CachedResultBytes += record.Result.Length;
    }

    /// <summary>Forgets clients whose last write is below <paramref name="oldestKeptIndex"/>.</summary>
    public void ExpireBefore(ulong oldestKeptIndex)
    {
        while (_byLastWrite.First is { } oldest && oldest.Value.LastWriteIndex < oldestKeptIndex)
        {
            Forget(oldest);
        }
    }

    /// <summary>
    /// Forgets the least recently written clients until at most <paramref name="maxClients"/>
    /// remain and their results take at most <paramref name="maxResultBytes"/>; never the latest.
    /// </summary>
    public void TrimTo(int maxClients, long maxResultBytes)
    {
        while (_byLastWrite.Count > 1 && (_byLastWrite.Count > maxClients || CachedResultBytes > maxResultBytes))
        {
            Forget(_byLastWrite.First!);
        }
    }

    private void Forget(LinkedListNode<ClientRecord> node)
    {
        _byClient.Remove(node.Value.ClientId);
        Unlink(node);
    }

    private void Unlink(LinkedListNode<ClientRecord> node)
    {
        _byLastWrite.Remove(node);
        CachedResultBytes -= node.Value.Result.Length;
    }
}
