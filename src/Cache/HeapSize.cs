namespace StreamVision.Cache;

/// <summary>
/// What an object or array really takes on the 64-bit .NET heap, so budgets count the bookkeeping
/// beside the payload: a small KV block's arrays, headers and references weigh as much as its
/// quantised values (measured: without them an hour of 1-bit blocks held 3× what was counted).
/// </summary>
public static class HeapSize
{
    /// <summary>Method table pointer and object header.</summary>
    public const long ObjectHeader = 16;

    /// <summary>An array's header and length.</summary>
    public const long ArrayHeader = 24;

    public const long Reference = 8;

    /// <summary>An object with <paramref name="fieldBytes"/> of fields, rounded up to 8 bytes.</summary>
    public static long Object(long fieldBytes) => Align(ObjectHeader + fieldBytes);

    public static long Array(long length, long elementBytes) => Align(ArrayHeader + length * elementBytes);

    /// <summary>A string of <paramref name="length"/> UTF-16 characters.</summary>
    public static long String(int length) => Align(22 + 2L * length);

    private static long Align(long bytes) => (bytes + 7) & ~7L;
}
