namespace StreamVision.Pipelines.Graph;

/// <summary>
/// How a stage is fed when it is slower than its input. This is a first-class choice, not a buried
/// constant: live cameras want the newest frame (latency never grows, old frames are dropped and
/// counted); batch jobs want every frame (the source waits instead).
/// </summary>
public sealed record DeliveryPolicy
{
    private DeliveryPolicy(bool lossless, int queueCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCapacity, 1);
        Lossless = lossless;
        QueueCapacity = queueCapacity;
    }

    /// <summary>True: never drop, make the producer wait. False: drop the oldest queued frame.</summary>
    public bool Lossless { get; }

    /// <summary>Frames that may wait in front of each stage (per camera).</summary>
    public int QueueCapacity { get; }

    /// <summary>Live: keep at most <paramref name="queueCapacity"/> newest frames, drop the oldest.</summary>
    public static DeliveryPolicy LatestOnly(int queueCapacity = 1) => new(false, queueCapacity);

    /// <summary>Batch: every frame is processed; a full queue blocks the source.</summary>
    public static DeliveryPolicy Batch(int queueCapacity = 4) => new(true, queueCapacity);

    public override string ToString() => Lossless ? $"lossless (queue {QueueCapacity})" : $"latest-only (queue {QueueCapacity}, drop oldest)";
}
