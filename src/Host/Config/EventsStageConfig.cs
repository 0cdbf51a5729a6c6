using StreamVision.Pipelines.Events;

namespace StreamVision.Host.Config;

/// <summary>Events, zones and lines over the detection stage's tracks (stages.events).</summary>
public sealed class EventsStageConfig
{
    /// <summary>Unset: on whenever detection runs with tracking. true: required (an error when detection
    /// or its tracking is off). false: off.</summary>
    public bool? Enabled { get; set; }

    /// <summary>Classes that make events; empty: every tracked class.</summary>
    public List<string> Labels { get; set; } = new();

    /// <summary>Least seconds between two updates of one event for a better snapshot (zone changes and
    /// line crossings are sent at once).</summary>
    public double UpdateIntervalSeconds { get; set; } = 5;

    /// <summary>Frames in a row an object must be inside (outside) a zone to enter (leave) it.</summary>
    public int InertiaFrames { get; set; } = 3;

    public SnapshotsConfig Snapshots { get; set; } = new();

    public ClipsConfig Clips { get; set; } = new();

    /// <summary>Whether the stage runs, given the detection stage's settings.</summary>
    public bool Runs(StagesConfig stages) => Enabled ?? (stages.Detection.Enabled && stages.Detection.Tracking.Enabled);

    internal EventSettings ToSettings() => new(Labels.ToHashSet(), TimeSpan.FromSeconds(UpdateIntervalSeconds), InertiaFrames,
        Snapshots.Enabled ? new SnapshotSettings(Snapshots.Quality, Snapshots.Margin) : null);

    internal IEnumerable<ConfigProblem> Check(StagesConfig stages, string key)
    {
        if (Enabled == true && !(stages.Detection.Enabled && stages.Detection.Tracking.Enabled))
        {
            yield return ConfigProblem.Bad($"{key}.enabled", true, "the events stage consumes the detection stage's tracks: enable stages.detection and stages.detection.tracking, or leave stages.events.enabled unset.");
        }
        foreach (var label in Labels.Where(l => stages.Detection.Classes.Count > 0 && !stages.Detection.Classes.Contains(l)))
        {
            yield return ConfigProblem.Bad($"{key}.labels", label, $"the detection stage reports only {string.Join(", ", stages.Detection.Classes)}; add the class to stages.detection.classes or remove it here.");
        }
        if (!(UpdateIntervalSeconds >= 0))
        {
            yield return ConfigProblem.Bad($"{key}.update_interval_seconds", UpdateIntervalSeconds, "use 0 or more seconds (5 keeps a few messages per object).");
        }
        if (InertiaFrames is < 1 or > 100)
        {
            yield return ConfigProblem.Bad($"{key}.inertia_frames", InertiaFrames, "use 1..100 frames (3 ignores a box jittering on a zone's edge).");
        }
        if (Snapshots.Quality is < 1 or > 100)
        {
            yield return ConfigProblem.Bad($"{key}.snapshots.quality", Snapshots.Quality, "use a JPEG quality of 1..100.");
        }
        if (Snapshots.Margin is < 0 or > 2)
        {
            yield return ConfigProblem.Bad($"{key}.snapshots.margin", Snapshots.Margin, "use 0..2 (the room around the box, as a fraction of its size).");
        }
        if (!(Snapshots.MaxMb > 0))
        {
            yield return ConfigProblem.Bad($"{key}.snapshots.max_mb", Snapshots.MaxMb, "use a positive number of MiB for the snapshot folder.");
        }
        if (!(Clips.PreCaptureSeconds is >= 0 and <= 60))
        {
            yield return ConfigProblem.Bad($"{key}.clips.pre_capture_seconds", Clips.PreCaptureSeconds, "use 0..60 seconds before the object was first seen.");
        }
        if (!(Clips.PostCaptureSeconds is >= 0 and <= 60))
        {
            yield return ConfigProblem.Bad($"{key}.clips.post_capture_seconds", Clips.PostCaptureSeconds, "use 0..60 seconds after it was last seen.");
        }
        if (!(Clips.SegmentSeconds is >= 0.5 and <= 10))
        {
            yield return ConfigProblem.Bad($"{key}.clips.segment_seconds", Clips.SegmentSeconds, "use 0.5..10 seconds (segments are cut at key frames, so a clip's ends are exact to a segment).");
        }
        if (!(Clips.MaxClipSeconds is >= 10 and <= 3600))
        {
            yield return ConfigProblem.Bad($"{key}.clips.max_clip_seconds", Clips.MaxClipSeconds, "use 10..3600 seconds (the recording kept in the buffer folder).");
        }
        if (!(Clips.MaxMb > 0) || !(Clips.MaxDays is > 0 and <= 3650))
        {
            yield return ConfigProblem.Bad($"{key}.clips.max_mb", $"{Clips.MaxMb} MiB, {Clips.MaxDays} days", "use a positive size and 0..3650 days for the clip folder.");
        }
        if (!(Snapshots.MaxDays is > 0 and <= 3650))
        {
            yield return ConfigProblem.Bad($"{key}.snapshots.max_days", Snapshots.MaxDays, "use more than 0 and at most 3650 days to keep snapshots.");
        }
    }
}

/// <summary>The best view of each event's object, as JPEG.</summary>
public sealed class SnapshotsConfig
{
    public bool Enabled { get; set; } = true;

    /// <summary>JPEG quality 1..100.</summary>
    public int Quality { get; set; } = 80;

    /// <summary>Room around the box, as a fraction of its width and height on each side.</summary>
    public double Margin { get; set; } = 0.1;

    /// <summary>Folder the live service keeps snapshots in (one per event, the best); relative to the config file.</summary>
    public string Dir { get; set; } = "media/snapshots";

    /// <summary>The folder's bound: the oldest files go first when it is over.</summary>
    public double MaxMb { get; set; } = 512;

    /// <summary>Files older than this go.</summary>
    public double MaxDays { get; set; } = 10;
}

/// <summary>Event clips: each RTSP camera's stream is remuxed (not re-encoded) by ffmpeg into short
/// segments; when an event ends, the segments from pre_capture_seconds before its start to
/// post_capture_seconds after its end are joined into one MP4.</summary>
public sealed class ClipsConfig
{
    public bool Enabled { get; set; } = true;
    public double PreCaptureSeconds { get; set; } = 5;
    public double PostCaptureSeconds { get; set; } = 5;

    /// <summary>Length of the recorded segments (cut at the next key frame).</summary>
    public double SegmentSeconds { get; set; } = 2;

    /// <summary>Longest clip: an event longer than this gets its last max_clip_seconds (plus post-capture).</summary>
    public double MaxClipSeconds { get; set; } = 300;

    /// <summary>Folder of the clips (one MP4 per event); relative to the config file.</summary>
    public string Dir { get; set; } = "media/clips";

    /// <summary>Folder of the rolling recording the clips are cut from (about max_clip_seconds per camera).</summary>
    public string BufferDir { get; set; } = "media/recording";

    public double MaxMb { get; set; } = 2048;
    public double MaxDays { get; set; } = 10;
}
