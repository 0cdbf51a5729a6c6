using System.Collections.Concurrent;

namespace StreamVision.Ingest.Frames;

/// <summary>
/// A bounded set of frame slots of one size. Renting blocks when every slot is in use: that is the
/// back-pressure a lossless (batch) pipeline needs, and in live mode the drop-oldest channels release
/// slots long before the pool runs dry. <see cref="Outstanding"/> is what tests use to prove every
/// buffer came back.
/// </summary>
public sealed class FramePool : IDisposable
{
    private readonly ConcurrentBag<Frame> _free = new();
    private readonly SemaphoreSlim _slots;
    private readonly List<Frame> _all = new();
    private readonly object _allLock = new();
    private int _outstanding;
    private bool _disposed;

    public FramePool(int width, int height, PixelFormat format, int capacity)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"frame size {width}x{height} is not positive");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Width = width;
        Height = height;
        Format = format;
        Capacity = capacity;
        _slots = new SemaphoreSlim(capacity, capacity);
    }

    public int Width { get; }
    public int Height { get; }
    public PixelFormat Format { get; }
    public int Capacity { get; }

    /// <summary>Frames rented and not yet returned.</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>Slots allocated so far (grows lazily up to <see cref="Capacity"/>).</summary>
    public int Allocated
    {
        get { lock (_allLock) { return _all.Count; } }
    }

    /// <summary>Bytes of pixel memory this pool holds.</summary>
    public long BytesHeld => (long)Allocated * Width * Height * Format.BytesPerPixel();

    public Frame Rent(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _slots.Wait(cancellationToken);
        if (!_free.TryTake(out var frame))
        {
            frame = new Frame(this, Width, Height, Format);
            lock (_allLock) { _all.Add(frame); }
        }
        frame.Activate();
        Interlocked.Increment(ref _outstanding);
        return frame;
    }

    internal void Return(Frame frame)
    {
        Interlocked.Decrement(ref _outstanding);
        _free.Add(frame);
        _slots.Release();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        lock (_allLock)
        {
            foreach (var frame in _all)
            {
                frame.DisposeNative();
            }
        }
    }
}
