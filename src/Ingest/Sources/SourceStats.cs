namespace StreamVision.Ingest.Sources;

/// <summary>Counters a source updates as it runs; read by the summary line, metrics and tests.</summary>
public sealed class SourceStats
{
    private long _decoded;
    private long _skipped;
    private long _reconnects;

    /// <summary>Frames handed to the pipeline.</summary>
    public long Decoded => Interlocked.Read(ref _decoded);

    /// <summary>Frames decoded but not emitted because of max_fps or batch resume.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Times the source had to reconnect after it had been streaming or failed to connect.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    public SourceState State { get; internal set; } = SourceState.Connecting;

    /// <summary>Set when the input ended early because it is damaged.</summary>
    public string? Damage { get; internal set; }

    /// <summary>The last connection error (URL masked).</summary>
    public string? LastError { get; internal set; }

    internal void CountDecoded() => Interlocked.Increment(ref _decoded);
    internal void CountSkipped() => Interlocked.Increment(ref _skipped);
    internal void CountReconnect() => Interlocked.Increment(ref _reconnects);
}
