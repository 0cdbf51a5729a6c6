namespace StreamVision.Ingest.Sources;

/// <summary>Exponential backoff with jitter, capped, forever by default.</summary>
public sealed record ReconnectPolicy
{
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);
    public double Multiplier { get; init; } = 2;

    /// <summary>Each delay is scaled by a random factor in [1 - Jitter, 1 + Jitter], so many cameras
    /// behind one failed switch do not all retry in the same instant.</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>Give up after this many failed attempts in a row (state Failed); null retries forever.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>The delay before attempt <paramref name="attempt"/> (1-based) of a reconnect series.</summary>
    public TimeSpan DelayFor(int attempt, Random random)
    {
        var nominal = InitialDelay.TotalMilliseconds * Math.Pow(Multiplier, Math.Max(0, attempt - 1));
        var capped = Math.Min(nominal, MaxDelay.TotalMilliseconds);
        var factor = 1 + Jitter * (2 * random.NextDouble() - 1);
        return TimeSpan.FromMilliseconds(Math.Max(0, capped * factor));
    }

    /// <summary>The largest delay attempt <paramref name="attempt"/> can get (with jitter).</summary>
    public TimeSpan MaxDelayFor(int attempt)
        => TimeSpan.FromMilliseconds(Math.Min(InitialDelay.TotalMilliseconds * Math.Pow(Multiplier, Math.Max(0, attempt - 1)), MaxDelay.TotalMilliseconds) * (1 + Jitter));
}
