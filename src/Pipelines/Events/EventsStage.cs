using System.Diagnostics;
using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Detection;
using StreamVision.Pipelines.Graph;

namespace StreamVision.Pipelines.Events;

/// <summary>Events, zones and lines over the detection stage's tracks (it consumes
/// <see cref="DetectionStageFactory.StageName"/>, which must track). No model of its own.</summary>
/// <param name="zonesOf">A camera's zones and lines, asked when the camera's instance is made (so cameras
/// added while running get theirs).</param>
/// <param name="detectionModel">Id of the detection model the events come from (named in results).</param>
public sealed class EventsStageFactory(EventSettings settings, Func<string, CameraZones> zonesOf, string detectionModel) : IStageFactory
{
    public const string StageName = "events";

    public string Name => StageName;
    public string ModelId => detectionModel;
    public string Provider => "cpu";
    public IReadOnlyList<string> Consumes { get; } = [DetectionStageFactory.StageName];

    public IFrameStage Create(string cameraId) => new EventsStage(new CameraEvents(cameraId, zonesOf(cameraId), settings), detectionModel);

    public void Dispose()
    {
    }
}

internal sealed class EventsStage(CameraEvents events, string modelId) : IConsumingStage
{
    private readonly ContinuityWatch _continuity = new();
    private FrameStamp? _last;
    private (int Width, int Height) _size;

    public StageResult? Process(Frame frame) => throw new InvalidOperationException("the events stage is fed by the detection stage, not by the camera.");

    public StageResult? Process(Frame frame, StageInputs inputs)
    {
        var started = Stopwatch.GetTimestamp();
        if (inputs.Of<DetectionResult>(DetectionStageFactory.StageName) is not { } detections)
        {
            return null;
        }
        if (!detections.Tracked)
        {
            throw new InvalidOperationException("the events stage needs tracks: enable stages.detection.tracking.");
        }
        var startedOver = _continuity.StartsOver(frame);
        _last = FrameStamp.Of(frame);
        _size = (frame.Width, frame.Height);
        return events.Update(frame, detections, startedOver).Describe<EventsResult>(frame, EventsStageFactory.StageName, modelId, started);
    }

    public StageResult? Finish()
    {
        if (_last is not { } last)
        {
            return null;
        }
        var started = Stopwatch.GetTimestamp();
        return events.Finish(_size.Width, _size.Height).Describe<EventsResult>(last, EventsStageFactory.StageName, modelId, started);
    }

    public void Dispose()
    {
    }
}
