using System.Diagnostics;
using System.Globalization;

namespace Paxos.Bench.Reporting;

/// <summary>The machine and the software versions a report's numbers were measured with.</summary>
/// <param name="Cores">Logical processors (what <c>nproc</c> prints).</param>
/// <param name="Memory">Total memory, for people (e.g. <c>23.4 GiB</c>).</param>
/// <param name="Kernel">The kernel release.</param>
/// <param name="EtcdVersion">What <c>etcd --version</c> prints first, or <c>not installed</c>.</param>
/// <param name="DotnetVersion">What <c>dotnet --version</c> prints.</param>
public sealed record MachineInfo(int Cores, string Memory, string Kernel, string EtcdVersion, string DotnetVersion)
{
    /// <summary>Reads this machine's facts from /proc and asks <c>etcd</c> and <c>dotnet</c> for their versions.</summary>
    public static MachineInfo Collect() => new(
        Environment.ProcessorCount,
        ReadMemory(),
        ReadFirstLine("/proc/sys/kernel/osrelease") ?? Environment.OSVersion.VersionString,
        FirstLineOf("etcd", "--version") ?? "not installed",
        FirstLineOf("dotnet", "--version") ?? Environment.Version.ToString());

    private static string ReadMemory()
    {
        // /proc/meminfo: "MemTotal:       24576000 kB"
        string? line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) : null;
        string[] parts = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        return parts.Length >= 2 && long.TryParse(parts[1], CultureInfo.InvariantCulture, out long kib)
            ? (kib / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " GiB"
            : "unknown";
    }

    private static string? ReadFirstLine(string path) => File.Exists(path) ? File.ReadLines(path).FirstOrDefault()?.Trim() : null;

    private static string? FirstLineOf(string program, string argument)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, argument) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (process is null)
            {
                return null;
            }
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(10_000);
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not installed
        }
    }
}
