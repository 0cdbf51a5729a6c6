using StreamVision.Pipelines.Detection;
using StreamVision.Pipelines.Tracking;

namespace StreamVision.Host.Config;

/// <summary>ByteTrack over the detection stage's boxes (stages.detection.tracking).</summary>
public sealed class TrackingConfig
{
    public bool Enabled { get; set; } = true;

    /// <summary>Detections at or above this are matched first and may start tracks.</summary>
    public double HighScore { get; set; } = 0.5;

    /// <summary>Detections down to this only continue existing tracks (occluded, blurred objects).</summary>
    public double LowScore { get; set; } = 0.1;

    /// <summary>Score a detection needs to start a track.</summary>
    public double NewTrackScore { get; set; } = 0.6;

    /// <summary>Seconds (stream time) a track survives unseen before it ends.</summary>
    public double LostSeconds { get; set; } = 1.0;

    /// <summary>Settings for some classes only, e.g. a longer lost_seconds for cars that park behind a truck;
    /// what a class entry leaves out comes from the keys above.</summary>
    public List<ClassTrackingConfig> Classes { get; set; } = new();

    internal TrackingSettings? ToSettings() => Enabled
        ? new TrackingSettings(Settings(null), Classes.ToDictionary(c => c.Class, Settings))
        : null;

    private TrackerSettings Settings(ClassTrackingConfig? c) => new(
        (float)(c?.HighScore ?? HighScore), (float)(c?.LowScore ?? LowScore), (float)(c?.NewTrackScore ?? NewTrackScore), c?.LostSeconds ?? LostSeconds);

    internal IEnumerable<ConfigProblem> Check(string key)
    {
        foreach (var problem in Check(key, Settings(null)))
        {
            yield return problem;
        }
        for (var i = 0; i < Classes.Count; i++)
        {
            var classKey = $"{key}.classes[{i}]";
            if (string.IsNullOrWhiteSpace(Classes[i].Class))
            {
                yield return ConfigProblem.Bad($"{classKey}.class", Classes[i].Class, "name the model class these settings are for (e.g. car).");
            }
            else if (Classes.Take(i).Any(c => c.Class == Classes[i].Class))
            {
                yield return ConfigProblem.Bad($"{classKey}.class", Classes[i].Class, "give each class's settings once.");
            }
            foreach (var problem in Check(classKey, Settings(Classes[i])))
            {
                yield return problem;
            }
        }
    }

    private static IEnumerable<ConfigProblem> Check(string key, TrackerSettings s)
    {
        if (s.LowScore is <= 0 or >= 1)
        {
            yield return ConfigProblem.Bad($"{key}.low_score", s.LowScore, "use a score between 0 and 1 (0.1 is ByteTrack's).");
        }
        else if (s.HighScore <= s.LowScore || s.HighScore >= 1)
        {
            yield return ConfigProblem.Bad($"{key}.high_score", s.HighScore, $"use a score above low_score ({s.LowScore}) and below 1 (0.5 is ByteTrack's).");
        }
        if (s.NewTrackScore < s.HighScore || s.NewTrackScore > 1)
        {
            yield return ConfigProblem.Bad($"{key}.new_track_score", s.NewTrackScore, $"use a score from high_score ({s.HighScore}) to 1 (0.6 is ByteTrack's).");
        }
        if (s.LostSeconds is not (> 0 and <= 600))
        {
            yield return ConfigProblem.Bad($"{key}.lost_seconds", s.LostSeconds, "use more than 0 and at most 600 seconds (1 is ByteTrack's 30 frames at 30 fps).");
        }
    }
}

/// <summary>Tracking settings for one class; a key left out takes the value of stages.detection.tracking.</summary>
public sealed class ClassTrackingConfig
{
    /// <summary>The model class (by name) these settings are for.</summary>
    public string Class { get; set; } = "";

    public double? HighScore { get; set; }
    public double? LowScore { get; set; }
    public double? NewTrackScore { get; set; }
    public double? LostSeconds { get; set; }
}
