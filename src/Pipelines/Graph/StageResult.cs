using System.Diagnostics;
using StreamVision.Ingest.Frames;

namespace StreamVision.Pipelines.Graph;

/// <summary>
/// What a stage says about one frame. It carries the frame's identity and times (camera, sequence,
/// presentation and capture time) so every published payload belongs to exactly the frame it was
/// computed from. Results may hold pooled memory: whoever consumes one disposes it.
/// </summary>
public abstract class StageResult : IDisposable
{
    public string CameraId { get; private set; } = "";
    public long Sequence { get; private set; }
    public TimeSpan Pts { get; private set; }
    public DateTimeOffset CaptureTime { get; private set; }

    /// <summary>Which clock <see cref="CaptureTime"/> is on (see <see cref="Frame.CaptureClock"/>).</summary>
    public CaptureClock CaptureClock { get; private set; }

    /// <summary>What the result's age is counted from (see <see cref="Frame.AgeOrigin"/>).</summary>
    public DateTimeOffset AgeOrigin { get; private set; }

    public string Stage { get; private set; } = "";

    /// <summary>Id of the model that produced the result (from its manifest).</summary>
    public string ModelId { get; private set; } = "";

    /// <summary>Time spent in the stage for this frame (pre-processing, inference, post-processing).</summary>
    public TimeSpan ProcessingTime { get; private set; }

    public DateTimeOffset CompletedAt { get; private set; }

    /// <summary>Ties the result to the frame it was computed from; the one place every stage stamps it.</summary>
    /// <param name="startedTimestamp">When the stage began on the frame (<see cref="Stopwatch.GetTimestamp"/>).</param>
    internal TResult Describe<TResult>(Frame frame, string stage, string modelId, long startedTimestamp) where TResult : StageResult
    {
        CameraId = frame.CameraId;
        Sequence = frame.Sequence;
        Pts = frame.Pts;
        CaptureTime = frame.CaptureTime;
        CaptureClock = frame.CaptureClock;
        AgeOrigin = frame.AgeOrigin;
        Stage = stage;
        ModelId = modelId;
        ProcessingTime = Stopwatch.GetElapsedTime(startedTimestamp);
        CompletedAt = DateTimeOffset.UtcNow;
        return (TResult)this;
    }

    public virtual void Dispose() => GC.SuppressFinalize(this);
}
