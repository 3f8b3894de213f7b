using Paxos.Fuzz.Afl;
using SharpFuzz;

// paxos-fuzz seeds TARGET DIRECTORY   writes the target's valid inputs, the corpus AFL starts from
// paxos-fuzz run TARGET               the target under afl-fuzz (SharpFuzz's fork server), or once on stdin
// paxos-fuzz replay TARGET FILE...    each file through the target, as the regression test does
if (args is ["seeds", string seedTarget, string directory])
{
    Directory.CreateDirectory(directory);
    var seeds = FuzzTargets.Named(seedTarget).Seeds;
    for (int i = 0; i < seeds.Count; i++)
    {
        File.WriteAllBytes(Path.Combine(directory, $"seed-{i:D3}"), seeds[i]);
    }
    Console.WriteLine($"{seeds.Count} seeds of {seedTarget} in {directory}");
    return 0;
}
if (args is ["run", string runTarget])
{
    // The targets are made inside the fork server: instrumented code runs only under it.
    FuzzTarget? target = null;
    Fuzzer.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        target ??= FuzzTargets.Named(runTarget);
        target.Run(buffer.ToArray());
    });
    return 0;
}
if (args is ["replay", string replayTarget, .. var files])
{
    var target = FuzzTargets.Named(replayTarget);
    foreach (string file in files)
    {
        target.Run(File.ReadAllBytes(file));
        Console.WriteLine($"{file}: taken or refused as documented");
    }
    return 0;
}
Console.Error.WriteLine("usage: paxos-fuzz seeds TARGET DIRECTORY | run TARGET | replay TARGET FILE...");
Console.Error.WriteLine($"targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");
return 2;
