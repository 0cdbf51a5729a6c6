using System.Diagnostics;
using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.Preprocessing;

namespace StreamVision.Pipelines.Detection;

/// <summary>Settings of the detection stage.</summary>
/// <param name="Classes">Class names to report; empty reports every class.</param>
public sealed record DetectionSettings(float ScoreThreshold = 0.3f, float NmsIou = 0.45f, IReadOnlyList<string>? Classes = null);

/// <summary>Object detection with a YOLOX-contract model; one session shared by all cameras.</summary>
public sealed class DetectionStageFactory : OnnxStageFactory
{
    public const string StageName = "detection";
    private readonly DetectionSettings _settings;
    private readonly HashSet<int>? _wanted;

    public DetectionStageFactory(OnnxModel model, DetectionSettings settings) : base(model, "detection", StageName)
    {
        _settings = settings;
        if (settings.Classes is { Count: > 0 } names)
        {
            var known = model.Manifest.Classes.Select((c, i) => (c.Name, i)).ToDictionary(x => x.Name, x => x.i);
            _wanted = names.Select(n => known.TryGetValue(n, out var id) ? id
                : throw new Configuration.ConfigurationException($"stages.detection.classes: '{n}' is not a class of model '{model.Id}' (known: {string.Join(", ", known.Keys.Take(12))}…).")).ToHashSet();
        }
    }

    public override IFrameStage Create(string cameraId) => new DetectionStage(Model, _settings, _wanted);
}

internal sealed class DetectionStage(OnnxModel model, DetectionSettings settings, IReadOnlySet<int>? wanted) : IFrameStage
{
    private readonly ModelBuffers _buffers = model.CreateBuffers();
    private readonly TensorPreprocessor _preprocessor = new(model.Manifest.Input);
    private readonly YoloxDecoder _decoder = new(model.Manifest);

    public StageResult Process(Frame frame)
    {
        var started = Stopwatch.GetTimestamp();
        if (frame.Discontinuity)
        {
            _buffers.ResetState(); // the camera's stream started over: so does the model's memory
        }
        _preprocessor.Run(frame, _buffers.Input);
        model.Run(_buffers);
        var detections = _decoder.Decode(_buffers.Output, _preprocessor.Scale, frame.Width, frame.Height, settings.ScoreThreshold, settings.NmsIou, wanted);
        return new DetectionResult
        {
            Detections = detections,
            FrameWidth = frame.Width,
            FrameHeight = frame.Height,
            CameraId = frame.CameraId,
            Sequence = frame.Sequence,
            Pts = frame.Pts,
            CaptureTime = frame.CaptureTime,
            Stage = DetectionStageFactory.StageName,
            ModelId = model.Id,
            ProcessingTime = Stopwatch.GetElapsedTime(started),
            CompletedAt = DateTimeOffset.UtcNow,
        };
    }

    public void Dispose() => _buffers.Dispose();
}
