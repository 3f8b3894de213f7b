using System.Diagnostics;
using System.Text;

namespace Paxos.Cluster.Tests.Harness;

/// <summary>One <c>paxos node</c> process started by a test; only this process is ever signalled.</summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private volatile int _stopSignal;

    private NodeProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Runs a <c>paxos</c> client command to its end (30 s at most); returns its output (stdout and stderr as they came); asserts its exit code.</summary>
    public static Task<string> RunAsync(int expectedExitCode, params string[] arguments) => RunInAsync(null, expectedExitCode, arguments);

    /// <summary>As <see cref="RunAsync"/>, in <paramref name="workingDirectory"/> (null: this process's).</summary>
    public static async Task<string> RunInAsync(string? workingDirectory, int expectedExitCode, params string[] arguments)
    {
        using var process = Start(arguments, workingDirectory: workingDirectory);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(expectedExitCode == process.ExitCode, $"paxos {string.Join(' ', arguments)} exited with {process.ExitCode}: {process.Output}");
        return process.Output.Trim().ReplaceLineEndings("\n");
    }

    /// <summary>
    /// Starts <paramref name="program"/> (next to the tests' assembly) with <paramref name="arguments"/> and extra
    /// <paramref name="environment"/>, in <paramref name="workingDirectory"/> (null: this process's).
    /// </summary>
    public static NodeProcess Start(IEnumerable<string> arguments, string program = "paxos", IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, program))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var node = new NodeProcess(process);
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Sends <paramref name="signal"/>; any but SIGSTOP and SIGCONT counts as the test ending the process.</summary>
    public void Signal(int signal)
    {
        if (signal is not (Signals.SigStop or Signals.SigCont))
        {
            _stopSignal = signal;
        }
        Signals.Send(_process.Id, signal);
    }

    /// <summary>SIGKILL, and wait until the process is gone.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _stopSignal = Signals.SigKill;
            _process.Kill();
        }
        _process.WaitForExit();
    }

    /// <summary>
    /// Why the process ended without the test ending it, or null: it exited while no signal of the
    /// test's asked it to, a SIGKILL found it dying of something else (its exit code is not the
    /// signal's), or its output says the runtime stopped it (Environment.FailFast, an unhandled exception).
    /// </summary>
    public string? ExitedByItself()
    {
        if (!_process.HasExited)
        {
            return null;
        }
        int signal = _stopSignal;
        string output = Output;
        string? reason = signal == 0 ? $"exited with code {_process.ExitCode} while the test did not stop it"
            : signal == Signals.SigKill && _process.ExitCode != 128 + Signals.SigKill ? $"exited with code {_process.ExitCode}, not of the SIGKILL the test sent"
            : output.Contains("Process terminated.", StringComparison.Ordinal) || output.Contains("Unhandled exception.", StringComparison.Ordinal) ? $"stopped by the runtime (exit code {_process.ExitCode})"
            : null;
        if (reason is null)
        {
            return null;
        }
        string[] lines = output.Split('\n');
        return $"pid {Pid} {reason}; the last lines of its output:\n{string.Join('\n', lines[Math.Max(0, lines.Length - 40)..])}";
    }

    /// <summary>Waits until <paramref name="port"/> on loopback accepts connections (30 s at most); fails at once if the process exits.</summary>
    public async Task WaitListeningAsync(string name, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"{name} exited with code {ExitCode}:\n{Output}");
            }
            using var client = new System.Net.Sockets.TcpClient();
            try
            {
                await client.ConnectAsync("127.0.0.1", port).ConfigureAwait(false);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails, with the output so far, after <paramref name="within"/> or if this process exits first.</summary>
    public async Task EventuallyAsync(Func<bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time; output so far:\n" + Output);
            Assert.False(HasExited, "the process exited early:\n" + Output);
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
