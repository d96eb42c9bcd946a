using System.Runtime.InteropServices;

namespace MpcSortition.Provider;

/// <summary>Owner-only files: the process's umask is set to 077 before any file is created, so the database, its WAL
/// and shared-memory files, keys and letters are created 0600 (directories 0700) from their first byte.</summary>
internal static partial class FileModes
{
    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint Umask(uint mask);

    public static void OwnerOnly()
    {
        if (!OperatingSystem.IsWindows())
        {
            Umask(0b000_111_111);
        }
    }

    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public static FileStream CreateOwnerOnly(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, options);
    }

    /// <summary>Writes a whole file owner-only, durably: a temporary file, flushed to disk, then renamed over the target.</summary>
    public static void WriteOwnerOnly(string path, byte[] content)
    {
        string temp = path + ".tmp";
        using (FileStream f = CreateOwnerOnly(temp))
        {
            f.Write(content);
            f.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
