using Paxos.Simulation.Infrastructure;
using Paxos.Simulation.Running;
using Paxos.Simulation.Paxos;

const string Help = """
    Deterministic cluster simulator.

    Usage: dotnet run -c Release --project tests/Paxos.Simulation -- [options]
      --seeds N      run N seeds (default 100)
      --start S      first seed (default 1)
      --seed S       replay seed S only
      --nodes N      3, 5 (default) or 7 nodes
      --plant NAME   plant a bug (to show the checks catch it):
                       forget-promise    an acceptor recovers its promised ballot as zero after a restart
                       ignore-accepted   a candidate ignores the accepted values reported in promises
                       stale-read        a node that believes it leads reads locally, without a read index
                       ack-before-fsync  messages and acknowledgements leave before the log's fsync
                       skip-recovery     a new leader proposes no-ops over the values learned in phase 1
                       leave-stranded    a leader leaves undecided the slots only a deposed leader's proposals reached
                       install-older-snapshot  a node installs a received snapshot that is not ahead of it
                       forward-twice     a node that does not lead forwards a write to the leader twice
                       skip-snapshot-dir-sync  a snapshot renamed into place is not made durable by a directory fsync
                       stale-membership  a candidate ignores a newer chosen membership a promiser knows of
                       lease-ignores-keep-alive  the leader confirms a keep-alive without resetting the deadline
                       txn-half          a Txn's success branch loses its write to the second key
                       watch-misses-snapshot  a snapshot that replaces a node's state ends none of its watchers
      --transfers on also hand the leadership to a random node every 100 to 800 ms (off by default)
      --pre-vote off run phase 1 as soon as an election timer runs out, without asking first (on by default)
      --membership on  the last two nodes start as joiners, and nodes are added, promoted and removed
                     during each run (off by default)
      --help         show this help

    Exits 0 if every seed passes. Stops at the first failing seed: prints the seed, what failed, the
    trace of the events that led to it and the command that replays it, and exits 1. Exits 2 on a
    usage error. A seed replays the identical run: nothing depends on wall time or scheduling.

    Each seed runs N replicas of the production replica node (its core, write-ahead log, snapshot
    store, forwarding and reads) and key-value state machine, deterministically (virtual clock, one
    seeded PRNG, simulated disks and network) with the production lease keeper on each node's
    clock, with 4 clients issuing Put, linearizable Get, Delete, CompareAndSwap, Txn, lease grants,
    keep-alives, revokes and puts with a lease, with retries, over a simulated network with seeded drops, delays,
    duplicates, reordering and partitions (symmetric, one-way, isolate the leader, minority/majority
    split), node crashes and restarts (also all at once) on disks that lose unsynced writes and
    tear the last one, failed fsyncs and full disks, clock drift and pauses longer than a lease,
    then a quiet period.
    Checks: agreement (no slot chosen with two values, across crashes), applied logs are prefixes of
    one sequence, no write chosen in more slots than the times it reached a replica, the production
    code's invariants, linearizability of the client history (ending with a read of
    every key, so no acknowledged write may be lost; Txns and lease ends included), no lease expiry
    before the TTL after an acknowledged grant or keep-alive, watches on every node that report
    exactly the chosen log's changes (in index order, each once, no gap, resumed across crashes),
    and liveness in the quiet period (every
    operation completes, every replica converges on one applied prefix). forget-promise runs add a
    storm of short crash-restarts, since the bug only shows when an acceptor restarts at a bad time.
    """;

CommandLineOptions? options = CommandLineOptions.TryParse(args, out string? error);
if (options is null)
{
    Console.Error.WriteLine($"error: {error}");
    Console.Error.WriteLine("Run with --help for usage.");
    return 2;
}

if (options.ShowHelp)
{
    Console.WriteLine(Help);
    return 0;
}

var runner = new SimulationRunner(Console.Out, Console.Error, interactive: !Console.IsErrorRedirected);
return runner.Run(options, PaxosScenario.Run);
