namespace StreamVision.Pipelines.Graph;

/// <summary>The most recent N durations in a fixed ring (no allocation when recording), with
/// percentiles over whatever is in the ring.</summary>
public sealed class LatencyWindow(int capacity)
{
    private readonly double[] _ring = new double[capacity];
    private readonly object _lock = new();
    private long _count;

    public long Count
    {
        get { lock (_lock) { return _count; } }
    }

    public void Record(TimeSpan value)
    {
        lock (_lock)
        {
            _ring[_count % _ring.Length] = value.TotalMilliseconds;
            _count++;
        }
    }

    /// <summary>Percentile (0..100) in milliseconds of the values in the window; 0 when empty.</summary>
    public double PercentileMs(double percentile)
    {
        double[] copy;
        lock (_lock)
        {
            var n = (int)Math.Min(_count, _ring.Length);
            if (n == 0)
            {
                return 0;
            }
            copy = _ring.AsSpan(0, n).ToArray();
        }
        Array.Sort(copy);
        var index = (int)Math.Ceiling(percentile / 100 * copy.Length) - 1;
        return copy[Math.Clamp(index, 0, copy.Length - 1)];
    }

    public double MaxMs() => PercentileMs(100);
}
