using System.Net;
using System.Net.Sockets;

namespace Paxos.Cluster.Tests.Harness;

/// <summary>Ports the operating system reports free on loopback right now.</summary>
internal static class FreePorts
{
    /// <summary>
    /// The first of <paramref name="count"/> consecutive ports free right now (for <c>paxos cluster
    /// --base-port</c>), below Linux's ephemeral range (32768 up): there the ports of other tests'
    /// nodes (taken with port 0) and the source ports of outgoing connections never land.
    /// </summary>
    public static int TakeConsecutive(int count)
    {
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            int first = Random.Shared.Next(20_000, 32_000 - count);
            var listeners = new List<TcpListener>();
            try
            {
                for (int port = first; port < first + count; port++)
                {
                    var listener = new TcpListener(IPAddress.Any, port);
                    listener.Start();
                    listeners.Add(listener);
                }
                return first;
            }
            catch (SocketException)
            {
                // one of them is taken: try elsewhere
            }
            finally
            {
                listeners.ForEach(listener => listener.Stop());
            }
        }
        throw new InvalidOperationException($"no {count} consecutive free ports between 20000 and 32000");
    }

    public static int[] Take(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }
}
