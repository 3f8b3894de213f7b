using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Paxos.Core;
using Paxos.Transport.V1;

namespace Paxos.Node.Replication;

/// <summary>
/// Streams this node's latest snapshot to a replica that needs entries this node has compacted
/// away, in chunks, at most one transfer per peer at a time. A failed transfer is simply dropped:
/// the core asks again later.
/// </summary>
/// <param name="self">This node's number.</param>
/// <param name="snapshots">Where the latest snapshot is read from.</param>
/// <param name="peers">The client of a node by number; null for a node this one has no link to.</param>
/// <param name="logger">Where transfers are logged.</param>
public sealed partial class SnapshotSender(int self, ReplicaSnapshots snapshots, Func<int, PaxosService.PaxosServiceClient?> peers, ILogger logger)
{
    /// <summary>Content bytes per chunk; a chunk with its framing fits in one message (<see cref="Hosting.MessageBudget"/>).</summary>
    internal const int ChunkBytes = 1024 * 1024;
    private static readonly TimeSpan TransferTimeout = TimeSpan.FromMinutes(5);
    private readonly HashSet<int> _sending = [];

    /// <summary>Starts sending a snapshot at or above <paramref name="index"/> to <paramref name="peer"/> unless one is on its way.</summary>
    public void Send(int peer, ulong index, CancellationToken stopping)
    {
        var client = peers(peer);
        if (client is null)
        {
            return;
        }
        lock (_sending)
        {
            if (!_sending.Add(peer))
            {
                return;
            }
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await TransferAsync(peer, client, index, stopping).ConfigureAwait(false);
            }
            finally
            {
                lock (_sending)
                {
                    _sending.Remove(peer);
                }
            }
        }, CancellationToken.None);
    }

    private async Task TransferAsync(int peer, PaxosService.PaxosServiceClient client, ulong index, CancellationToken stopping)
    {
        using var reader = snapshots.OpenLatest();
        if (reader is null || (ulong)reader.Index < index)
        {
            LogNoSnapshot(peer, index);
            return;
        }
        try
        {
            using var call = client.InstallSnapshot(deadline: DateTime.UtcNow + TransferTimeout, cancellationToken: stopping);
            var buffer = new byte[ChunkBytes];
            long offset = 0;
            bool first = true;
            while (true)
            {
                int read = reader.ReadContent(offset, buffer);
                offset += read;
                bool last = offset >= reader.ContentLength;
                var chunk = new SnapshotChunk { Data = ByteString.CopyFrom(buffer, 0, read), Last = last };
                if (first)
                {
                    chunk.FromNode = self;
                    chunk.Index = (ulong)reader.Index;
                    chunk.Metadata = ByteString.CopyFrom(reader.Metadata.Span);
                    chunk.MetadataCrc = Crc32C.Compute(reader.Metadata.Span);
                    first = false;
                }
                if (last)
                {
                    chunk.ContentCrc = reader.ContentCrc;
                }
                await call.RequestStream.WriteAsync(chunk, stopping).ConfigureAwait(false);
                if (last)
                {
                    break;
                }
            }
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            var reply = await call.ResponseAsync.ConfigureAwait(false);
            LogSent(reader.Index, peer, reader.ContentLength, reply.InstalledIndex);
        }
        catch (RpcException e)
        {
            LogFailed(peer, e.Status.StatusCode, e.Status.Detail);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "sent the snapshot at slot {Index} ({Bytes} bytes) to node {Peer}; it reports slot {Installed} installed")]
    private partial void LogSent(long index, int peer, long bytes, ulong installed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "node {Peer} needs a snapshot at slot {Index} or later, and this node has none yet")]
    private partial void LogNoSnapshot(int peer, ulong index);

    [LoggerMessage(Level = LogLevel.Warning, Message = "snapshot transfer to node {Peer} failed ({Code}: {Detail}); it will be offered again")]
    private partial void LogFailed(int peer, StatusCode code, string detail);
}
