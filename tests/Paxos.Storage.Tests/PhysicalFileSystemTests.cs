using Paxos.Storage.Files;

namespace Paxos.Storage.Tests;

public sealed class PhysicalFileSystemTests
{
    private readonly PhysicalFileSystem _fs = PhysicalFileSystem.Instance;

    [Fact]
    public void WritesReadsTruncatesAndSyncs()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "a.bin");
        using (IFileHandle file = _fs.OpenFile(path, FileOpenMode.CreateNew))
        {
            file.Write([1, 2, 3, 4, 5], 0);
            file.Write([9], 7);
            file.FlushToDisk();
            Assert.Equal(8, file.Length);
            var buffer = new byte[10];
            Assert.Equal(8, file.Read(buffer, 0));
            Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 0, 0, 9, 0, 0 }, buffer);
            file.SetLength(3);
            Assert.Equal(3, file.Length);
        }
        _fs.SyncDirectory(dir.Path);
        Assert.Throws<IOException>(() => _fs.OpenFile(path, FileOpenMode.CreateNew).Dispose());
        using (IFileHandle readOnly = _fs.OpenFile(path, FileOpenMode.OpenRead))
        {
            Assert.Throws<UnauthorizedAccessException>(() => readOnly.Write([1], 0));
        }
    }

    [Fact]
    public void RenameReplacesListsAndDeletes()
    {
        using var dir = new TempDirectory();
        string a = Path.Combine(dir.Path, "a");
        string b = Path.Combine(dir.Path, "b");
        File.WriteAllBytes(a, [1]);
        File.WriteAllBytes(b, [2]);

        _fs.RenameFile(a, b);
        _fs.SyncDirectory(dir.Path);

        Assert.Equal([b], _fs.ListFiles(dir.Path));
        Assert.Equal(new byte[] { 1 }, File.ReadAllBytes(b));
        _fs.DeleteFile(b);
        Assert.False(_fs.FileExists(b));
        _fs.DeleteFile(b); // deleting a missing file is not an error
    }

    [Fact]
    public void SyncingAMissingDirectoryFails()
    {
        using var dir = new TempDirectory();
        if (!OperatingSystem.IsWindows())
        {
            Assert.Throws<IOException>(() => _fs.SyncDirectory(Path.Combine(dir.Path, "missing")));
        }
    }
}
