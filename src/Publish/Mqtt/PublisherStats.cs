namespace StreamVision.Publish.Mqtt;

/// <summary>What the publisher did; read by the summary line and tests.</summary>
public sealed class PublisherStats
{
    private long _published;
    private long _dropped;
    private long _failed;
    private long _connects;

    public long Published => Interlocked.Read(ref _published);

    /// <summary>Messages dropped because the outgoing queue was full (oldest first).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Messages the broker did not take (publish error or disconnect).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public long Connects => Interlocked.Read(ref _connects);

    internal void CountPublished() => Interlocked.Increment(ref _published);
    internal void CountDropped() => Interlocked.Increment(ref _dropped);
    internal void CountFailed() => Interlocked.Increment(ref _failed);
    internal void CountConnect() => Interlocked.Increment(ref _connects);
}
