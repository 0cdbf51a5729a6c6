using System.Runtime.InteropServices;

namespace StreamVision.Pipelines.VideoLlm;

/// <summary>
/// Float32 values outside the managed heap, for the decoder's past: it is large and changes size
/// often. On the managed heap every resize left a large-object array for a full collection to
/// find; through malloc, glibc raises its mmap threshold after each large free and serves later
/// buffers from its heap, which keeps freed memory resident. Large buffers are therefore mapped
/// from the OS and unmapped when freed, so the process holds what the budget counts. ONNX Runtime
/// reads them in place.
/// </summary>
internal sealed unsafe partial class NativeFloats : IDisposable
{
    private const long MapAtLeast = 64 * 1024;
    private void* _values;
    private readonly nuint _bytes;
    private readonly bool _mapped;

    public NativeFloats(long length)
    {
        Length = length;
        _bytes = (nuint)(Math.Max(length, 1) * sizeof(float));
        _mapped = OperatingSystem.IsLinux() && (long)_bytes >= MapAtLeast;
        if (_mapped)
        {
            var address = Mmap(0, _bytes, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
            if (address == -1)
            {
                throw new OutOfMemoryException($"mmap of {_bytes:N0} bytes for the decoder's past failed (errno {Marshal.GetLastPInvokeError()}).");
            }
            _values = (void*)address;
        }
        else
        {
            _values = NativeMemory.AlignedAlloc(_bytes, 64);
        }
    }

    public static NativeFloats Empty => new(0);

    public long Length { get; }

    public nint Pointer => (nint)_values;

    public Span<float> Span => new(_values, checked((int)Length));

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    // A past dropped by an exception before its Dispose still gives its memory back.
    ~NativeFloats() => Free();

    private void Free()
    {
        if (_values == null)
        {
            return;
        }
        if (_mapped)
        {
            _ = Munmap((nint)_values, _bytes);
        }
        else
        {
            NativeMemory.AlignedFree(_values);
        }
        _values = null;
    }

    private const int ProtRead = 1, ProtWrite = 2, MapPrivate = 0x02, MapAnonymous = 0x20;

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(nint address, nuint length);
}
