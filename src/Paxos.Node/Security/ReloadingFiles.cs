namespace Paxos.Node.Security;

/// <summary>
/// A value made from the contents of some files, made again when their contents change: checked
/// at most once per <c>checkInterval</c>, by reading the files (small: certificates, keys,
/// tokens), so a file replaced by a rename with an old timestamp is noticed too. A reload that
/// fails (a certificate written before its key) keeps the last good value and is tried again at
/// the next check.
/// </summary>
internal sealed class ReloadingFiles<T> where T : class
{
    private readonly string[] _paths;
    private readonly Func<byte[][], T> _load;
    private readonly Action<Exception> _reloadFailed;
    private readonly long _intervalMs;
    private readonly Lock _gate = new();
    private T _current;
    private byte[][] _contents;
    private long _nextCheck;

    /// <summary>Loads the value now; a failure here is the caller's (a clear start-up error).</summary>
    /// <param name="paths">The files, in the order <paramref name="load"/> gets their contents.</param>
    /// <param name="load">Makes the value from the files' contents; throws if they are not usable.</param>
    /// <param name="reloadFailed">Told why a later reload failed.</param>
    /// <param name="checkInterval">How often the files are read again at most.</param>
    public ReloadingFiles(string[] paths, Func<byte[][], T> load, Action<Exception> reloadFailed, TimeSpan checkInterval)
    {
        _paths = paths;
        _load = load;
        _reloadFailed = reloadFailed;
        _intervalMs = (long)checkInterval.TotalMilliseconds;
        _contents = Read();
        _current = load(_contents);
        _nextCheck = Environment.TickCount64 + _intervalMs;
    }

    /// <summary>The value of the files' contents as of the last check.</summary>
    public T Current
    {
        get
        {
            long now = Environment.TickCount64;
            if (now >= Volatile.Read(ref _nextCheck) && _gate.TryEnter())
            {
                try
                {
                    Volatile.Write(ref _nextCheck, now + _intervalMs);
                    Refresh();
                }
                finally
                {
                    _gate.Exit();
                }
            }
            return Volatile.Read(ref _current);
        }
    }

    private void Refresh()
    {
        try
        {
            var contents = Read();
            if (contents.Zip(_contents).All(pair => pair.First.AsSpan().SequenceEqual(pair.Second)))
            {
                return;
            }
            Volatile.Write(ref _current, _load(contents));
            _contents = contents;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or Configuration.ConfigException)
        {
            _reloadFailed(e);
        }
    }

    private byte[][] Read() => [.. _paths.Select(File.ReadAllBytes)];
}
