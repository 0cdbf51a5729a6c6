namespace StreamVision.Host.Hosting;

/// <summary>Rates of cumulative counters over the interval since the last reading, per key: what
/// the summary line and the stats message report as fps (a stall shows at once, unlike an average
/// since start).</summary>
public sealed class RateMeter
{
    private readonly Dictionary<string, long> _last = new();

    public double PerSecond(string key, long counter, TimeSpan interval)
    {
        var before = _last.GetValueOrDefault(key);
        _last[key] = counter;
        return (counter - before) / interval.TotalSeconds;
    }
}
