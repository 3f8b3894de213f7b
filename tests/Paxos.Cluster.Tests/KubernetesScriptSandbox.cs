using System.Diagnostics;

namespace Paxos.Cluster.Tests;

/// <summary>
/// Runs a script of deploy/kubernetes/scripts with <c>/bin/sh</c>, as the pod would, but with
/// <c>PAXOS</c> a stand-in that records each command line it is given and answers 0, except the
/// first <c>member promote</c>, which it refuses (exit code 4, as a learner not caught up yet is).
/// </summary>
internal sealed class KubernetesScriptSandbox : IDisposable
{
    private const string StandIn = """
        echo "$*" >> "$RECORD"
        if [ "$1 $2" = "member promote" ] && [ "$(grep -c '^member promote' "$RECORD")" -lt 2 ]; then exit 4; fi
        exit 0
        """;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "paxos-k8s-" + Guid.NewGuid().ToString("N"));
    private int _runs;

    public KubernetesScriptSandbox()
    {
        Directory.CreateDirectory(_root);
        File.WriteAllText(Path.Combine(_root, "paxos.sh"), StandIn);
    }

    /// <summary>A new empty folder in the sandbox.</summary>
    public string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;

    /// <summary>Runs <paramref name="script"/> as pod <paramref name="podName"/> until it exits (start.sh ends by running the stand-in); the commands it ran.</summary>
    public async Task<List<string>> RunAsync(string script, IReadOnlyDictionary<string, string> env, string podName, string volume, string? config = null)
    {
        var (process, record) = Start(script, env, podName, volume, config);
        using (process)
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            Assert.True(process.ExitCode == 0, $"{script} exited with {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
        }
        return Read(record);
    }

    /// <summary>Runs <paramref name="script"/> as pod <paramref name="podName"/> until the commands it ran satisfy <paramref name="done"/> or <paramref name="limit"/> (30 s) passes, then stops it; the commands.</summary>
    public async Task<List<string>> RunUntilAsync(string script, IReadOnlyDictionary<string, string> env, string podName, string volume, Func<List<string>, bool> done, TimeSpan? limit = null)
    {
        var (process, record) = Start(script, env, podName, volume, null);
        using (process)
        {
            var until = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(30));
            while (!done(Read(record)) && DateTime.UtcNow < until && !process.HasExited)
            {
                await Task.Delay(100);
            }
            if (process.HasExited)
            {
                Assert.Fail($"{script} stopped by itself with {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
            }
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        return Read(record);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private (Process Process, string Record) Start(string script, IReadOnlyDictionary<string, string> env, string podName, string volume, string? config)
    {
        string record = Path.Combine(_root, $"calls-{++_runs}.txt");
        var start = new ProcessStartInfo("/bin/sh", [Harness.RepositoryFiles.Path($"deploy/kubernetes/scripts/{script}")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var (name, value) in env)
        {
            start.Environment[name] = value.Replace("$(POD_NAME)", podName, StringComparison.Ordinal);
        }
        start.Environment["DATA"] = volume;
        start.Environment["PAXOS"] = "/bin/sh " + Path.Combine(_root, "paxos.sh");
        start.Environment["RECORD"] = record;
        start.Environment["TMPDIR"] = _root; // where start.sh writes the join file
        if (config is not null)
        {
            start.Environment["CONFIG"] = config;
        }
        return (Process.Start(start) ?? throw new InvalidOperationException("/bin/sh did not start"), record);
    }

    private static List<string> Read(string record) => File.Exists(record) ? [.. File.ReadAllLines(record)] : [];
}
