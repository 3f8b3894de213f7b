namespace Paxos.Cluster.Tests.Harness;

/// <summary>Files of the repository the tests run from (the folder holding Paxos.sln, above the tests' assembly).</summary>
internal static class RepositoryFiles
{
    /// <summary>The full path of <paramref name="relative"/> in the repository.</summary>
    public static string Path(string relative)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "Paxos.sln")))
        {
            directory = directory.Parent;
        }
        return System.IO.Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("repository root"), relative);
    }
}
