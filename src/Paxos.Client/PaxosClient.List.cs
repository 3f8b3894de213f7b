using System.Runtime.CompilerServices;
using V1 = Paxos.Transport.V1;

namespace Paxos.Client;

public sealed partial class PaxosClient
{
    /// <summary>
    /// Reads one page of the keys starting with <paramref name="prefix"/>, in UTF-8 byte order, after
    /// <paramref name="startAfter"/> (empty: from the first). A linearizable page reflects one instant:
    /// <see cref="ListPage.ReadIndex"/>.
    /// </summary>
    /// <param name="prefix">Empty for every key.</param>
    /// <param name="startAfter">The last key of the previous page, or empty.</param>
    /// <param name="limit">At most this many keys (0: the cluster's default, at least 1,000); the cluster may return fewer when their values are large.</param>
    /// <param name="consistency">Linearizable (the default) or serializable.</param>
    /// <param name="timeout">The call's overall deadline, retries included; <see cref="PaxosClientOptions.Timeout"/> if null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<ListPage> ListAsync(string prefix, string startAfter = "", int limit = 0, ReadConsistency consistency = ReadConsistency.Linearizable,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(startAfter);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var request = new V1.ListRequest
        {
            Prefix = prefix,
            StartAfter = startAfter,
            Limit = (uint)limit,
            Consistency = ToWire(consistency),
        };
        return CallAsync("the list", consistency == ReadConsistency.Linearizable ? Route.Leader : Route.AnyNode, isWrite: false, async (client, options) =>
        {
            var reply = await client.ListAsync(request, options).ConfigureAwait(false);
            return new ListPage([.. reply.Items.Select(item => new KeyValueItem(item.Key, item.Value.Memory, item.Index, item.LeaseId))], reply.More, reply.ReadIndex);
        }, Deadline(timeout), cancellationToken);
    }

    /// <summary>
    /// Every key starting with <paramref name="prefix"/>, page after page (each page its own read:
    /// the whole is not one snapshot, unlike a single <see cref="ListAsync"/> page).
    /// </summary>
    /// <param name="prefix">Empty for every key.</param>
    /// <param name="consistency">Linearizable (the default) or serializable, for every page.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    public async IAsyncEnumerable<KeyValueItem> ListAllAsync(string prefix, ReadConsistency consistency = ReadConsistency.Linearizable,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string after = string.Empty;
        while (true)
        {
            var page = await ListAsync(prefix, after, 0, consistency, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                yield return item;
            }
            if (!page.More || page.Items.Count == 0)
            {
                yield break;
            }
            after = page.Items[^1].Key;
        }
    }

    private static V1.ReadConsistency ToWire(ReadConsistency consistency) => consistency switch
    {
        ReadConsistency.Linearizable => V1.ReadConsistency.Linearizable,
        ReadConsistency.Serializable => V1.ReadConsistency.Serializable,
        _ => throw new ArgumentOutOfRangeException(nameof(consistency), consistency, "not a ReadConsistency value"),
    };
}
