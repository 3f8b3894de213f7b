using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;

namespace Paxos.Cluster.Tests.Harness;

/// <summary>
/// A minimal HTTP/2 client over a bare socket (prior knowledge, no TLS) that sends unary gRPC calls
/// (and watches) and never reads their responses: it announces a receive window of 0 bytes and never sends a
/// WINDOW_UPDATE, so the server may send headers but no DATA. It reads frames only to answer
/// SETTINGS and PING and to see how each stream ends: ended by the server (an answer without a
/// body, such as RESOURCE_EXHAUSTED) or with RST_STREAM (the server cut it off).
/// </summary>
public sealed class RawHttp2Client : IAsyncDisposable
{
    private const byte Data = 0, Headers = 1, RstStream = 3, Settings = 4, Ping = 6, GoAway = 7;
    private const byte EndStream = 0x1, EndHeaders = 0x4, Ack = 0x1;

    private readonly TcpClient _socket = new();
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly ConcurrentDictionary<int, string> _ended = new();
    private readonly CancellationTokenSource _stop = new();
    private NetworkStream? _stream;
    private Task? _reader;
    private int _nextStream = 1;
    private long _dataBytes;

    /// <summary>Streams that ended, each with how: "answered" (the server ended the stream: with a window of 0, an answer without a body) or "reset".</summary>
    public IReadOnlyDictionary<int, string> Ended => _ended;

    /// <summary>DATA bytes the server sent (with a window of 0: none).</summary>
    public long DataBytes => Interlocked.Read(ref _dataBytes);

    public bool GoneAway { get; private set; }

    public async Task ConnectAsync(Uri url)
    {
        await _socket.ConnectAsync(url.Host, url.Port);
        _stream = _socket.GetStream();
        await _stream.WriteAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray());
        byte[] settings = new byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(settings, 0x4); // SETTINGS_INITIAL_WINDOW_SIZE
        BinaryPrimitives.WriteUInt32BigEndian(settings.AsSpan(2), 0);
        await WriteFrameAsync(Settings, 0, 0, settings);
        _reader = Task.Run(ReadFramesAsync);
    }

    /// <summary>Starts a call of <paramref name="path"/> with one request message (unary or server streaming); returns its stream id.</summary>
    public async Task<int> CallAsync(string path, byte[] message)
    {
        int id = Interlocked.Add(ref _nextStream, 2) - 2;
        var headers = new List<byte> { 0x83, 0x86 }; // :method POST, :scheme http (static table)
        Literal(headers, 4, path);                    // :path
        Literal(headers, 1, "localhost");             // :authority
        headers.AddRange([0x0F, 0x10]);               // content-type (static index 31) ...
        Value(headers, "application/grpc");
        headers.Add(0x00);                            // te: trailers, a literal name
        Value(headers, "te");
        Value(headers, "trailers");
        byte[] body = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), (uint)message.Length);
        message.CopyTo(body, 5);
        await _writing.WaitAsync();
        try
        {
            await WriteFrameUnlockedAsync(Headers, EndHeaders, id, [.. headers]);
            await WriteFrameUnlockedAsync(Data, EndStream, id, body);
        }
        finally
        {
            _writing.Release();
        }
        return id;
    }

    /// <summary>A literal header field without indexing, its name from the static table's entry <paramref name="nameIndex"/> (below 15).</summary>
    private static void Literal(List<byte> block, byte nameIndex, string value)
    {
        block.Add(nameIndex);
        Value(block, value);
    }

    /// <summary>A string literal, not Huffman-coded, shorter than 127 bytes.</summary>
    private static void Value(List<byte> block, string value)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(value);
        block.Add((byte)bytes.Length);
        block.AddRange(bytes);
    }

    private async Task ReadFramesAsync()
    {
        var header = new byte[9];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await _stream!.ReadExactlyAsync(header, _stop.Token);
                int length = (header[0] << 16) | (header[1] << 8) | header[2];
                byte type = header[3], flags = header[4];
                int id = (int)(BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5)) & 0x7FFF_FFFF);
                var payload = new byte[length];
                await _stream.ReadExactlyAsync(payload, _stop.Token);
                switch (type)
                {
                    case Settings when (flags & Ack) == 0:
                        await WriteFrameAsync(Settings, Ack, 0, []);
                        break;
                    case Ping when (flags & Ack) == 0:
                        await WriteFrameAsync(Ping, Ack, 0, payload);
                        break;
                    case Headers or Data when (flags & EndStream) != 0:
                        Interlocked.Add(ref _dataBytes, type == Data ? length : 0);
                        _ended.TryAdd(id, "answered");
                        break;
                    case RstStream:
                        _ended.TryAdd(id, "reset");
                        break;
                    case Data:
                        Interlocked.Add(ref _dataBytes, length);
                        break;
                    case GoAway:
                        GoneAway = true;
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or EndOfStreamException or ObjectDisposedException)
        {
            // the connection closed, or this client is disposed
        }
    }

    private async Task WriteFrameAsync(byte type, byte flags, int stream, byte[] payload)
    {
        await _writing.WaitAsync();
        try
        {
            await WriteFrameUnlockedAsync(type, flags, stream, payload);
        }
        finally
        {
            _writing.Release();
        }
    }

    private async Task WriteFrameUnlockedAsync(byte type, byte flags, int stream, byte[] payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(5), (uint)stream);
        payload.CopyTo(frame, 9);
        await _stream!.WriteAsync(frame);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        if (_reader is not null)
        {
            await _reader;
        }
        _stop.Dispose();
        _writing.Dispose();
    }
}
