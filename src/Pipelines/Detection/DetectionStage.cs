using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.Tracking;

namespace StreamVision.Pipelines.Detection;

/// <summary>Settings of the detection stage.</summary>
/// <param name="Classes">Class names to report; empty reports every class.</param>
/// <param name="Tracking">Track objects over frames (ByteTrack), per-class settings by class name; null: no tracking.</param>
public sealed record DetectionSettings(float ScoreThreshold = 0.3f, float NmsIou = 0.45f, IReadOnlyList<string>? Classes = null, TrackingSettings? Tracking = null);

/// <summary>Tracking settings: the defaults and overrides per class name.</summary>
public sealed record TrackingSettings(TrackerSettings Defaults, IReadOnlyDictionary<string, TrackerSettings> PerClass);

/// <summary>Object detection with a YOLOX-contract model; one session shared by all cameras.</summary>
public sealed class DetectionStageFactory : OnnxStageFactory
{
    public const string StageName = "detection";
    private readonly DetectionSettings _settings;
    private readonly HashSet<int>? _wanted;
    private readonly Dictionary<int, TrackerSettings> _trackingPerClass = new();

    public DetectionStageFactory(OnnxModel model, DetectionSettings settings) : base(model, "detection", StageName)
    {
        _settings = settings;
        if (settings.Classes is { Count: > 0 } names)
        {
            var known = model.Manifest.Classes.Select((c, i) => (c.Name, i)).ToDictionary(x => x.Name, x => x.i);
            _wanted = names.Select(n => known.TryGetValue(n, out var id) ? id
                : throw new Configuration.ConfigurationException($"stages.detection.classes: '{n}' is not a class of model '{model.Id}' (known: {string.Join(", ", known.Keys.Take(12))}…).")).ToHashSet();
        }
        foreach (var (name, perClass) in settings.Tracking?.PerClass ?? new Dictionary<string, TrackerSettings>())
        {
            var id = model.Manifest.Classes.FindIndex(c => c.Name == name);
            _trackingPerClass[id >= 0 ? id : throw new Configuration.ConfigurationException($"stages.detection.tracking.classes: '{name}' is not a class of model '{model.Id}'.")] = perClass;
        }
    }

    public override IFrameStage Create(string cameraId) => new DetectionStage(Model, _settings, _wanted,
        _settings.Tracking is { } tracking ? new ObjectTracker(tracking.Defaults, _trackingPerClass) : null);
}

/// <param name="tracker">This camera's tracker, or null. With one, detections down to the tracker's low
/// score are decoded: those below the score threshold are published only when they continue a track.</param>
internal sealed class DetectionStage(OnnxModel model, DetectionSettings settings, IReadOnlySet<int>? wanted, ObjectTracker? tracker)
    : OnnxFrameStage(model, DetectionStageFactory.StageName)
{
    private readonly YoloxDecoder _decoder = new(model.Manifest);
    private int?[] _ids = new int?[16];

    protected override StageResult Decode(Frame frame)
    {
        var threshold = tracker is null ? settings.ScoreThreshold : Math.Min(settings.ScoreThreshold, tracker.LowestScore);
        var detections = _decoder.Decode(Buffers.Output, Preprocessor.Scale, frame.Width, frame.Height, threshold, settings.NmsIou, wanted);
        if (tracker is not null)
        {
            if (StartedOver)
            {
                tracker.Restart();
            }
            if (_ids.Length < detections.Count)
            {
                _ids = new int?[Math.Max(detections.Count, 2 * _ids.Length)];
            }
            tracker.Update(detections, frame.Pts.TotalSeconds, _ids);
            var ids = _ids;
            detections = detections.Select((d, i) => d with { TrackId = ids[i] })
                .Where(d => d.Score >= settings.ScoreThreshold || d.TrackId is not null).ToList();
        }
        return new DetectionResult
        {
            Detections = detections, FrameWidth = frame.Width, FrameHeight = frame.Height, Tracked = tracker is not null,
            EndedTracks = tracker is { Ended.Count: > 0 } ? tracker.Ended.ToArray() : [],
            AliveTracks = tracker?.Alive() ?? [],
        };
    }
}
