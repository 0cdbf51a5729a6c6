using System.Diagnostics;
using StreamVision.Ingest.Frames;

namespace StreamVision.Pipelines.Graph;

/// <summary>
/// What a stage says about one frame. It carries the frame's identity and times (camera, sequence,
/// presentation and capture time) so every published payload belongs to exactly the frame it was
/// computed from. Results may hold pooled memory: whoever holds one disposes it (see <see cref="Retain"/>).
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
        => Describe<TResult>(FrameStamp.Of(frame), stage, modelId, startedTimestamp);

    /// <summary>As above, for a result about a frame no longer held (e.g. the last one, when the stream ends).</summary>
    internal TResult Describe<TResult>(FrameStamp frame, string stage, string modelId, long startedTimestamp) where TResult : StageResult
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

    /// <summary>True when the result carries something that happens once (an event, a snapshot): a live
    /// results channel that is full drops per-frame results, but keeps these (<see cref="Pipeline.ReadResultsAsync"/>).</summary>
    public virtual bool MustDeliver => false;

    private int _holders = 1;

    /// <summary>Adds a holder: a result can go both to the sinks and to the stages that consume it, and
    /// its pooled memory returns when the last holder disposes it.</summary>
    internal void Retain() => Interlocked.Increment(ref _holders);

    public void Dispose()
    {
        if (Interlocked.Decrement(ref _holders) == 0)
        {
            Free();
        }
    }

    /// <summary>Returns pooled memory; runs once, when the last holder lets go.</summary>
    protected virtual void Free()
    {
    }
}

/// <summary>A frame's identity and times, kept after the pooled frame is released.</summary>
public readonly record struct FrameStamp(string CameraId, long Sequence, TimeSpan Pts, DateTimeOffset CaptureTime, CaptureClock CaptureClock, DateTimeOffset AgeOrigin)
{
    public static FrameStamp Of(Frame frame) => new(frame.CameraId, frame.Sequence, frame.Pts, frame.CaptureTime, frame.CaptureClock, frame.AgeOrigin);
}
