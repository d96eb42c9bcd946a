using System.Runtime.InteropServices;

namespace MpcSortition.Ballot;

/// <summary>The process's umask is set to 077 before anything is created: the database and its -wal and -shm files are 0600 from their first byte.</summary>
internal static partial class OwnerOnly
{
    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint Umask(uint mask);

    public static void SetUmask()
    {
        if (!OperatingSystem.IsWindows())
        {
            Umask(0b000_111_111);
        }
    }
}
