using System.Runtime.InteropServices;

namespace StreamVision.Pipelines.VideoLlm;

/// <summary>
/// glibc serves allocations above its mmap threshold (128 KiB) straight from the OS and returns them
/// when freed, but raises that threshold to the size of each large block it frees. The decoder's
/// runs allocate outputs that grow with the past (the present keys and values of every held token),
/// so after a few frees they came from malloc's heap, and freed memory stayed resident: with an
/// 8 MiB VideoLLM budget the process grew by 60 MiB more than it counted. Setting the threshold
/// explicitly turns the adjustment off. Process-wide, so set once, by the VideoLLM (its sessions
/// are the ones whose outputs change size every run).
/// </summary>
internal static partial class GlibcMalloc
{
    private const int MmapThreshold = -3; // M_MMAP_THRESHOLD
    private static int _fixed;

    public static void FixMmapThreshold()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref _fixed, 1) == 1)
        {
            return;
        }
        try
        {
            _ = Mallopt(MmapThreshold, 128 * 1024);
        }
        catch (EntryPointNotFoundException)
        {
            // Not glibc (musl, e.g. Alpine): its malloc has no such adjustment to turn off.
        }
        catch (DllNotFoundException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);
}
