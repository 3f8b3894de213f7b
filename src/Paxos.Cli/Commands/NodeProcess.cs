using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Paxos.Cli.Commands;

/// <summary>A <c>paxos node</c> child process started by <c>paxos cluster</c>, its output appended to a log file.</summary>
internal sealed partial class NodeProcess : IDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly StreamWriter _log;

    private NodeProcess(string nodeId, Process process, StreamWriter log)
    {
        NodeId = nodeId;
        _process = process;
        _log = log;
    }

    public string NodeId { get; }

    public int Pid => _process.Id;

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    public int ExitCode => _process.ExitCode;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts this same program as <c>paxos node ...</c>, appending its output to <paramref name="logPath"/>.</summary>
    public static NodeProcess Start(string nodeId, IEnumerable<string> nodeArguments, string logPath)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which program is running");
        start.FileName = self;
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(NodeProcess).Assembly.Location); // run as 'dotnet paxos.dll'
        }
        start.ArgumentList.Add("node");
        foreach (string argument in nodeArguments)
        {
            start.ArgumentList.Add(argument);
        }
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {nodeId}");
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new NodeProcess(nodeId, process, log);
    }

    /// <summary>Asks the node to stop (SIGTERM); kills it if it has not stopped within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }
        if (OperatingSystem.IsWindows() || Kill(_process.Id, SigTerm) != 0)
        {
            _process.Kill(entireProcessTree: true);
        }
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (log)
        {
            if (log.BaseStream.CanWrite)
            {
                log.WriteLine(line);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
