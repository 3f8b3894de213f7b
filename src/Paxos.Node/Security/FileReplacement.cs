namespace Paxos.Node.Security;

/// <summary>Replaces a small file by writing a temporary one beside it and renaming it over, so that a reader (a node reloading its certificates) sees the old or the new file, never half of one.</summary>
internal static class FileReplacement
{
    /// <param name="path">The file.</param>
    /// <param name="text">Its new contents (ASCII: PEM, tokens).</param>
    /// <param name="secret">Readable by its owner only (a private key, tokens); else by everyone.</param>
    public static void Write(string path, string text, bool secret)
    {
        string temporary = path + ".tmp";
        File.Delete(temporary); // a leftover would keep its old permissions
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = secret ? UnixFileMode.UserRead | UnixFileMode.UserWrite : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }
        using (var file = new StreamWriter(temporary, System.Text.Encoding.ASCII, options))
        {
            file.Write(text);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
