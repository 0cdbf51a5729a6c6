using StreamVision.Ingest.Frames;

namespace StreamVision.Tests.Unit;

public class FramePoolTests
{
    [Fact]
    public void A_frame_returns_to_the_pool_only_after_the_last_reference_is_released()
    {
        using var pool = new FramePool(8, 4, PixelFormat.Bgr24, capacity: 2);
        var frame = pool.Rent(CancellationToken.None);
        frame.AddRef();
        frame.AddRef();
        frame.Release();
        frame.Release();
        Assert.Equal(1, pool.Outstanding);
        frame.Release();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Buffers_are_reused_not_reallocated()
    {
        using var pool = new FramePool(8, 4, PixelFormat.Bgr24, capacity: 2);
        for (var i = 0; i < 50; i++)
        {
            pool.Rent(CancellationToken.None).Release();
        }
        Assert.Equal(1, pool.Allocated);
        Assert.Equal(8 * 4 * 3, pool.BytesHeld);
    }

    [Fact]
    public void Rent_waits_when_every_slot_is_in_use()
    {
        using var pool = new FramePool(8, 4, PixelFormat.Bgr24, capacity: 1);
        var held = pool.Rent(CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Assert.ThrowsAny<OperationCanceledException>(() => pool.Rent(cts.Token));
        held.Release();
        pool.Rent(CancellationToken.None).Release();
    }

    [Fact]
    public void Releasing_too_often_is_an_error_not_a_silent_double_return()
    {
        using var pool = new FramePool(8, 4, PixelFormat.Bgr24, capacity: 2);
        var frame = pool.Rent(CancellationToken.None);
        frame.Release();
        Assert.Throws<InvalidOperationException>(frame.Release);
    }

    [Fact]
    public void The_opencv_view_shares_memory_with_the_pixels()
    {
        using var pool = new FramePool(8, 4, PixelFormat.Bgr24, capacity: 1);
        var frame = pool.Rent(CancellationToken.None);
        frame.Mat.SetTo(new OpenCvSharp.Scalar(1, 2, 3));
        Assert.Equal([1, 2, 3], frame.Pixels[..3].ToArray());
        frame.Release();
    }
}
