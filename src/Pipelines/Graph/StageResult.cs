namespace StreamVision.Pipelines.Graph;

/// <summary>
/// What a stage says about one frame. It carries the frame's identity and times (camera, sequence,
/// presentation and capture time) so every published payload belongs to exactly the frame it was
/// computed from. Results may hold pooled memory: whoever consumes one disposes it.
/// </summary>
public abstract class StageResult : IDisposable
{
    public required string CameraId { get; init; }
    public required long Sequence { get; init; }
    public required TimeSpan Pts { get; init; }
    public required DateTimeOffset CaptureTime { get; init; }
    public required string Stage { get; init; }

    /// <summary>Id of the model that produced the result (from its manifest).</summary>
    public required string ModelId { get; init; }

    /// <summary>Time spent in the stage for this frame (pre-processing, inference, post-processing).</summary>
    public required TimeSpan ProcessingTime { get; init; }

    public required DateTimeOffset CompletedAt { get; init; }

    public virtual void Dispose() => GC.SuppressFinalize(this);
}
