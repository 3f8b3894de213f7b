using System.CommandLine;

namespace Paxos.Bench.Reporting;

/// <summary><c>paxos bench report RESULTS.jsonl</c>: writes the comparison report and its chart.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var results = new Argument<FileInfo>("results") { Description = "A file of JSON lines printed by 'paxos bench' (bench/results/*.jsonl)." };
        var output = new Option<FileInfo>("--output") { Description = "The Markdown report to write; the chart goes beside it with the extension .png.", DefaultValueFactory = _ => new FileInfo("docs/performance.md") };
        var command = new Command("report", "Turn collected 'paxos bench' JSON lines into a Markdown comparison of etcd and Paxos and a PNG chart.") { results, output };
        command.SetAction(parse =>
        {
            var input = parse.GetRequiredValue(results);
            var markdown = parse.GetRequiredValue(output);
            IReadOnlyList<BenchResult> lines;
            try
            {
                lines = Read(input);
            }
            catch (BenchUsageException e)
            {
                return BenchCommand.Report(BenchCommand.BadUsage, e.Message);
            }
            Directory.CreateDirectory(markdown.DirectoryName ?? ".");
            string chart = Path.ChangeExtension(markdown.FullName, ".png");
            ThroughputChart.Save(lines, chart);
            string generated = PerformanceReport.Render(lines, MachineInfo.Collect(), input.ToString(), Path.GetFileName(chart), DateTimeOffset.UtcNow);
            string? previous = markdown.Exists ? File.ReadAllText(markdown.FullName) : null;
            File.WriteAllText(markdown.FullName, PerformanceReport.KeepHandWritten(generated, previous));
            Console.WriteLine($"Wrote {markdown} and {chart} from {lines.Count} results.");
            return BenchCommand.Ok;
        });
        return command;
    }

    /// <summary>The results in a JSONL file; lines that are not JSON objects (blank, or stray output) are skipped.</summary>
    internal static IReadOnlyList<BenchResult> Read(FileInfo file)
    {
        if (!file.Exists)
        {
            throw new BenchUsageException($"no such file: {file}");
        }
        var results = File.ReadLines(file.FullName).Where(line => line.TrimStart().StartsWith('{')).Select(BenchResultJson.Parse).ToList();
        return results.Count > 0 ? results : throw new BenchUsageException($"{file} holds no bench results");
    }
}
