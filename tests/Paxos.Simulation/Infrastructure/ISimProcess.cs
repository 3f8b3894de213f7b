namespace Paxos.Simulation.Infrastructure;

/// <summary>A node process that holds resources beyond its disk (pooled buffers, open files) and lets go of them when it crashes.</summary>
public interface ISimProcess
{
    /// <summary>
    /// Called once the process crashed and its disk lost what was unsynced: releases what it holds
    /// without writing anything (its file handles already fail).
    /// </summary>
    void Abandon();
}
