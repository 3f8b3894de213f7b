using System.Net;
using System.Net.Sockets;

namespace Paxos.Cluster.Tests.Harness;

/// <summary>
/// A loopback TCP proxy in front of one node, which the cluster file names as the node's url (the
/// contract lets url and port differ), so everything sent to the node (peers' streams, clients'
/// calls) passes through it. <see cref="Cut"/> stops moving bytes in both directions of every
/// connection through it, old and new, as a network partition does: nothing is closed, the bytes
/// wait in the kernel's buffers, and they flow again, late, after <see cref="Heal"/>. What the node
/// sends on connections it opened itself goes through the other nodes' proxies, so cutting one
/// proxy isolates the node one way: it hears nobody, while the others still hear it.
/// </summary>
internal sealed class TcpProxy : IDisposable
{
    private const int BufferBytes = 64 * 1024;

    private readonly TcpListener _listener;
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _accepting;
    private volatile TaskCompletionSource _open = NewOpenGate();

    public TcpProxy(int port, int target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public bool IsCut => !_open.Task.IsCompleted;

    public void Cut()
    {
        lock (_sockets)
        {
            if (!IsCut)
            {
                _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    public void Heal()
    {
        lock (_sockets)
        {
            _open.TrySetResult();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
            _sockets.Clear();
            _open.TrySetResult();
        }
        try
        {
            _accepting.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // the listener stopped
        }
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = LinkAsync(client);
        }
    }

    private async Task LinkAsync(Socket client)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        Track(client);
        Track(server);
        try
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target, _stop.Token).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                // The node is down: reset the client's connection, as the node's closed port would
                // have refused it, so the client sees a connection error (UNAVAILABLE), not a
                // server that accepted and then broke the HTTP/2 handshake (INTERNAL).
                client.LingerState = new LingerOption(true, 0);
                return;
            }
            // Either side ending ends both: a node that died closes its clients' connections too.
            await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // the proxy is stopping, or a side went away: the client sees its connection close
        }
        finally
        {
            Untrack(client);
            Untrack(server);
            client.Dispose();
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[BufferBytes];
        try
        {
            while (true)
            {
                await _open.Task.WaitAsync(_stop.Token).ConfigureAwait(false);
                int read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }
                await _open.Task.WaitAsync(_stop.Token).ConfigureAwait(false);
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // a side closed or reset
        }
    }

    private void Track(Socket socket)
    {
        lock (_sockets)
        {
            _sockets.Add(socket);
        }
    }

    private void Untrack(Socket socket)
    {
        lock (_sockets)
        {
            _sockets.Remove(socket);
        }
    }

    private static TaskCompletionSource NewOpenGate()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }
}
