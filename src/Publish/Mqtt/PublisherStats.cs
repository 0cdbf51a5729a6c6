namespace StreamVision.Publish.Mqtt;

/// <summary>What the publisher did; read by the summary line and tests.</summary>
public sealed class PublisherStats(OutgoingQueue queue)
{
    private long _published;
    private long _failed;
    private long _connects;

    public long Published => Interlocked.Read(ref _published);

    /// <summary>Messages dropped because the outgoing queue was full (QoS 0 first, oldest first).</summary>
    public long Dropped => queue.DroppedUnreliable + queue.DroppedReliable;

    /// <summary>QoS 1/2 messages dropped because the queue was full of them (the only way they are lost).</summary>
    public long DroppedReliable => queue.DroppedReliable;

    /// <summary>Messages the broker did not take (publish error or disconnect).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public long Connects => Interlocked.Read(ref _connects);

    internal void CountPublished() => Interlocked.Increment(ref _published);
    internal void CountFailed() => Interlocked.Increment(ref _failed);
    internal void CountConnect() => Interlocked.Increment(ref _connects);
}
