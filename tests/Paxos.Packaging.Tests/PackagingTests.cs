using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;

namespace Paxos.Packaging.Tests;

/// <summary>
/// On a copy of the sources: <c>dotnet pack</c> makes every library package (with its XML docs and
/// README) and the <c>paxos</c> tool; the sample project restores Paxos.Node and Paxos.Client from
/// that local feed (not from the repository's projects), runs three embedded nodes and a client,
/// and exits 0; the tool installs from the feed and runs.
/// </summary>
public sealed class PackagingTests : IDisposable
{
    private static readonly string[] Libraries = ["Paxos.Core", "Paxos.Storage", "Paxos.Transport", "Paxos.KeyValue", "Paxos.Node", "Paxos.Client"];
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(10);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "paxos-packaging-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task The_sample_runs_on_the_packed_node_and_client_and_the_tool_installs_from_the_feed()
    {
        string repository = RepositoryRoot();
        string sources = Path.Combine(_root, "sources");
        string feed = Path.Combine(_root, "feed");
        string packages = Path.Combine(_root, "packages");
        CopySources(repository, sources);
        string solution = Path.Combine(sources, "packages.slnx");
        await File.WriteAllTextAsync(solution, new XElement("Solution",
            Libraries.Append("Paxos.Cli").Select(p => new XElement("Project", new XAttribute("Path", $"src/{p}/{p}.csproj")))).ToString());

        await RunAsync(sources, "pack", solution, "-c", "Release", "-o", feed);

        foreach (string library in Libraries)
        {
            var entries = Entries(Path.Combine(feed, $"{library}.0.4.0.nupkg"));
            Assert.Contains($"lib/net10.0/{library}.dll", entries);
            Assert.Contains($"lib/net10.0/{library}.xml", entries); // XML docs for IntelliSense
            Assert.Contains("README.md", entries);
            Assert.True(File.Exists(Path.Combine(feed, $"{library}.0.4.0.snupkg")), $"{library} has no symbol package");
        }
        var tool = Entries(Path.Combine(feed, "Paxos.Cli.0.4.0.nupkg"));
        Assert.Contains("tools/net10.0/any/DotnetToolSettings.xml", tool);

        string sample = Path.Combine(sources, "samples", "Paxos.Sample");
        string output = await RunAsync(sample, "run", "-c", "Release",
            $"-p:RestoreAdditionalProjectSources={feed}", $"-p:RestorePackagesPath={packages}");
        Assert.Contains("now \"hello, Paxos\"", output, StringComparison.Ordinal);
        // The sample's Paxos packages came from the feed, not from a project reference or a cache.
        foreach (string package in new[] { "paxos.node", "paxos.client", "paxos.core" })
        {
            string metadata = await File.ReadAllTextAsync(Path.Combine(packages, package, "0.4.0", ".nupkg.metadata"));
            Assert.Contains(Path.GetFileName(feed), metadata, StringComparison.Ordinal);
        }

        string tools = Path.Combine(_root, "tools");
        await RunAsync(_root, "tool", "install", "--tool-path", tools, "--add-source", feed, "Paxos.Cli", "--version", "0.4.0");
        string help = await RunProcessAsync(_root, Path.Combine(tools, "paxos"), ["--help"]);
        Assert.Contains("paxos [command] [options]", help, StringComparison.Ordinal);
    }

    private static HashSet<string> Entries(string package)
    {
        Assert.True(File.Exists(package), $"dotnet pack made no {Path.GetFileName(package)}");
        using var archive = ZipFile.OpenRead(package);
        return [.. archive.Entries.Select(e => e.FullName)];
    }

    /// <summary>The files of a fresh clone that packing needs: the build settings, src/ and samples/, without build outputs.</summary>
    private static void CopySources(string repository, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (string settings in new[] { "Directory.Build.props", "Directory.Build.targets" })
        {
            File.Copy(Path.Combine(repository, settings), Path.Combine(destination, settings));
        }
        foreach (string folder in new[] { "src", "samples" })
        {
            string from = Path.Combine(repository, folder);
            foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(from, file);
                if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
                {
                    continue;
                }
                string target = Path.Combine(destination, folder, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Paxos.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new DirectoryNotFoundException("repository root");
    }

    private static Task<string> RunAsync(string workingDirectory, params string[] arguments) =>
        RunProcessAsync(workingDirectory, "dotnet", arguments);

    /// <summary>Runs a program to its end; its output, or a failure that quotes the output's end.</summary>
    private static async Task<string> RunProcessAsync(string workingDirectory, string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StepTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {StepTimeout}");
        }
        string text = await output + await error;
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{Tail(text)}");
        return text;
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
