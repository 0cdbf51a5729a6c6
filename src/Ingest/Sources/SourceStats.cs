namespace StreamVision.Ingest.Sources;

/// <summary>Counters a source updates as it runs; read by the summary line and, later, metrics.</summary>
public sealed class SourceStats
{
    private long _decoded;

    public long Decoded => Interlocked.Read(ref _decoded);

    /// <summary>Set when the input ended early because it is damaged.</summary>
    public string? Damage { get; internal set; }

    internal void CountDecoded() => Interlocked.Increment(ref _decoded);
}
