using StreamVision.Pipelines.Detection;
using StreamVision.Pipelines.Tracking;

namespace StreamVision.Host.Config;

/// <summary>ByteTrack over the detection stage's boxes (stages.detection.tracking).</summary>
public class TrackingThresholds
{
    /// <summary>Detections at or above this are matched first and may start tracks.</summary>
    public double HighScore { get; set; } = 0.5;

    /// <summary>Detections down to this only continue existing tracks (occluded, blurred objects).</summary>
    public double LowScore { get; set; } = 0.1;

    /// <summary>Score a detection needs to start a track.</summary>
    public double NewTrackScore { get; set; } = 0.6;

    /// <summary>Frames a track survives unseen before it ends (its id is never reused).</summary>
    public int LostFrames { get; set; } = 30;

    internal TrackerSettings ToSettings() => new((float)HighScore, (float)LowScore, (float)NewTrackScore, LostFrames: LostFrames);

    internal IEnumerable<ConfigProblem> Check(string key)
    {
        if (LowScore is <= 0 or >= 1 || HighScore <= LowScore || HighScore >= 1)
        {
            yield return ConfigProblem.Bad($"{key}.high_score", HighScore, $"use 0 < low_score ({LowScore}) < high_score < 1 (0.1 and 0.5 are ByteTrack's).");
        }
        if (NewTrackScore < HighScore || NewTrackScore > 1)
        {
            yield return ConfigProblem.Bad($"{key}.new_track_score", NewTrackScore, $"use a score from high_score ({HighScore}) to 1 (0.6 is ByteTrack's).");
        }
        if (LostFrames < 1)
        {
            yield return ConfigProblem.Bad($"{key}.lost_frames", LostFrames, "use 1 or more frames (30 is one second at 30 fps).");
        }
    }
}

public sealed class TrackingConfig : TrackingThresholds
{
    public bool Enabled { get; set; } = true;

    /// <summary>Settings for some classes only, e.g. a longer lost_frames for cars that park behind a truck.</summary>
    public List<ClassTrackingConfig> Classes { get; set; } = new();

    internal TrackingSettings? ToSettings(bool detectionEnabled) => Enabled && detectionEnabled
        ? new TrackingSettings(base.ToSettings(), Classes.ToDictionary(c => c.Class, c => c.ToSettings()))
        : null;

    internal new IEnumerable<ConfigProblem> Check(string key)
    {
        foreach (var problem in base.Check(key))
        {
            yield return problem;
        }
        for (var i = 0; i < Classes.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(Classes[i].Class))
            {
                yield return ConfigProblem.Bad($"{key}.classes[{i}].class", Classes[i].Class, "name the model class these settings are for (e.g. car).");
            }
            else if (Classes.Take(i).Any(c => c.Class == Classes[i].Class))
            {
                yield return ConfigProblem.Bad($"{key}.classes[{i}].class", Classes[i].Class, "give each class's settings once.");
            }
            foreach (var problem in Classes[i].Check($"{key}.classes[{i}]"))
            {
                yield return problem;
            }
        }
    }
}

public sealed class ClassTrackingConfig : TrackingThresholds
{
    /// <summary>The model class (by name) these settings are for.</summary>
    public string Class { get; set; } = "";
}
