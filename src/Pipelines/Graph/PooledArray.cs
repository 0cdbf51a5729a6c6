using System.Buffers;

namespace StreamVision.Pipelines.Graph;

/// <summary>An array rented from the shared pool for a result's lifetime (masks, depth maps, flow
/// fields): no per-frame allocation of large buffers; returned once, when the result is disposed.</summary>
internal sealed class PooledArray<T>(int length)
{
    private T[]? _array = ArrayPool<T>.Shared.Rent(length);

    public int Length { get; } = length;

    public Span<T> Span => (_array ?? throw new ObjectDisposedException(nameof(PooledArray<T>))).AsSpan(0, Length);

    public void Return()
    {
        var array = Interlocked.Exchange(ref _array, null);
        if (array is not null)
        {
            ArrayPool<T>.Shared.Return(array);
        }
    }
}
