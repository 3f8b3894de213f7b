using Paxos.Fuzz.Afl;
using Xunit.Abstractions;

namespace Paxos.Fuzz.Tests;

/// <summary>
/// The coverage-guided fuzzer's targets (fuzz/Paxos.Fuzz.Afl, run by fuzz/run.sh) in the default
/// test run: every target takes its own seeds, and every input AFL found crashing a target
/// (Crashes/TARGET/, one file each) is now taken or refused as the target documents.
/// </summary>
public sealed class AflRegressionTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_target_takes_its_seeds_without_refusing_them()
    {
        foreach (var target in FuzzTargets.All)
        {
            Assert.NotEmpty(target.Seeds);
            foreach (byte[] seed in target.Seeds)
            {
                target.Take(seed);
            }
            output.WriteLine($"{target.Name}: {target.Seeds.Count} seeds taken");
        }
    }

    [Fact]
    public void Every_crash_AFL_found_is_taken_or_refused_as_documented()
    {
        string crashes = Path.Combine(AppContext.BaseDirectory, "Crashes");
        var found = Directory.Exists(crashes) ? Directory.GetFiles(crashes, "*", SearchOption.AllDirectories) : [];
        foreach (string file in found)
        {
            string target = Path.GetFileName(Path.GetDirectoryName(file)!);
            FuzzTargets.Named(target).Run(File.ReadAllBytes(file));
            output.WriteLine($"{target}/{Path.GetFileName(file)}: taken or refused");
        }
        output.WriteLine($"{found.Length} crash inputs replayed");
    }
}
