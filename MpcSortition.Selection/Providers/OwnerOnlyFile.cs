namespace MpcSortition.Selection.Providers;

/// <summary>
/// Writes files that only their owner may read: private keys, share files, tape contributions. On Unix a file is
/// created with mode 0600 and a directory with mode 0700 from the start (never made private afterwards, so there is no
/// moment at which another user could open it); on Windows the default ACL of the user's directory applies.
/// </summary>
public static class OwnerOnlyFile
{
    /// <summary>The mode of an owner-only file on Unix: read and write for the owner, nothing for anybody else (0600).</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The mode of an owner-only directory on Unix (0700).</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="path"/> and any missing parent with mode 0700 (Unix). An existing directory keeps its mode.</summary>
    /// <param name="path">The directory.</param>
    public static void CreateDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, DirectoryMode);
        }
    }

    /// <summary>
    /// Writes <paramref name="path"/> as an owner-only file: <paramref name="write"/> fills a new file created with mode
    /// 0600 next to it, which then replaces <paramref name="path"/> in one rename (so an existing file of another mode
    /// is replaced, not reused, and a reader never sees half a file). The parent directory must exist.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="write">Writes the content; the stream is closed afterwards.</param>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory is not writable.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
