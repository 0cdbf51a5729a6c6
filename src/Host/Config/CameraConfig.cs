using Microsoft.Extensions.Options;
using StreamVision.Ingest.Sources;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Config;

public sealed class CameraConfig
{
    public string Id { get; set; } = "";

    /// <summary>synthetic://pattern?width=&amp;height=&amp;fps=, file:///path, or a file path.</summary>
    public string Url { get; set; } = "";

    /// <summary>Pace files at their own frame rate, like a camera (live mode).</summary>
    public bool Realtime { get; set; } = true;

    public double Speed { get; set; } = 1.0;
    public bool Loop { get; set; }
    public long? MaxFrames { get; set; }

    /// <summary>Emit at most this many frames per second; the rest are skipped before any stage.</summary>
    public double? MaxFps { get; set; }

    /// <summary>RTSP transport: tcp (default) or udp.</summary>
    public string Transport { get; set; } = "tcp";

    /// <summary>Where capture times come from: "source" (the camera's RTCP sender reports over RTSP/TCP, a
    /// device's buffer timestamps, a recording's creation time plus pts; arrival time when the input has
    /// none) or "arrival" (always our clock when the frame is decoded, e.g. for a camera whose clock is wrong).</summary>
    public string CaptureClock { get; set; } = "source";

    /// <summary>FFmpeg hardware decoding for RTSP/devices (-hwaccel value, e.g. auto, vaapi, cuda).</summary>
    public string? Hwaccel { get; set; }

    /// <summary>Seconds to wait for a stream's first picture before the attempt counts as failed.</summary>
    public double ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>No frame for this many frame intervals counts as a disconnect.</summary>
    public double StallFrames { get; set; } = 20;

    public ReconnectConfig Reconnect { get; set; } = new();

    /// <summary>Pinhole intrinsics in frame pixels: [fx, fy, cx, cy]; for models with pose inputs.</summary>
    public List<double>? Intrinsics { get; set; }

    /// <summary>A fixed pose for models with pose inputs, used when no received pose matches a frame.</summary>
    public FixedPoseConfig? Pose { get; set; }

    /// <summary>Areas the events stage reports objects in (entered, left, occupancy).</summary>
    public List<ZoneConfig> Zones { get; set; } = new();

    /// <summary>Tripwires the events stage counts crossings of, by direction.</summary>
    public List<LineConfig> Lines { get; set; } = new();
}

public sealed class FixedPoseConfig
{
    /// <summary>Unit quaternion [w, x, y, z].</summary>
    public List<double> Rotation { get; set; } = new() { 1, 0, 0, 0 };

    /// <summary>Metres [x, y, z].</summary>
    public List<double> Translation { get; set; } = new() { 0, 0, 0 };
}

/// <summary>Backoff for live cameras: initial delay doubling up to the maximum, with ±20 % jitter.</summary>
public sealed class ReconnectConfig
{
    public double InitialDelaySeconds { get; set; } = 0.5;
    public double MaxDelaySeconds { get; set; } = 30;

    /// <summary>Give up (state failed) after this many failed attempts in a row; leave out to retry forever.</summary>
    public int? MaxAttempts { get; set; }
}

/// <summary>One camera's rules (its id is also checked against the others by <see cref="ServiceRules"/>).</summary>
public sealed class CameraRules(ServiceConfig root) : SectionRules<CameraConfig>(root)
{
    public override IEnumerable<ConfigProblem> Check(CameraConfig camera, string key)
    {
        string? wrongId = null;
        try
        {
            MqttTopics.Validate(camera.Id, $"{key}.id");
        }
        catch (ArgumentException e)
        {
            wrongId = e.Message;
        }
        if (wrongId is not null)
        {
            yield return new ConfigProblem($"{key}.id", wrongId);
        }
        string? wrongUrl = null;
        try
        {
            SourceUrl.Parse(ConfigLoader.ResolveCameraUrl(Root, camera.Url));
        }
        catch (FormatException e)
        {
            wrongUrl = e.Message;
        }
        if (wrongUrl is not null)
        {
            yield return ConfigProblem.Bad($"{key}.url", camera.Url, wrongUrl);
        }
        if (!(camera.Speed > 0))
        {
            yield return ConfigProblem.Bad($"{key}.speed", camera.Speed, "use a positive factor (1 = real time).");
        }
        if (camera.MaxFps is <= 0)
        {
            yield return ConfigProblem.Bad($"{key}.max_fps", camera.MaxFps, "use a positive frame rate, or leave it out to keep every frame.");
        }
        if (camera.CaptureClock is not ("source" or "arrival"))
        {
            yield return ConfigProblem.Bad($"{key}.capture_clock", camera.CaptureClock, "use source (the camera's own clock when the input carries one) or arrival (the time the frame is decoded here).");
        }
        if (camera.Transport is not ("tcp" or "udp"))
        {
            yield return ConfigProblem.Bad($"{key}.transport", camera.Transport, "use tcp or udp.");
        }
        if (!(camera.ConnectTimeoutSeconds > 0))
        {
            yield return ConfigProblem.Bad($"{key}.connect_timeout_seconds", camera.ConnectTimeoutSeconds, "use a positive number of seconds.");
        }
        if (!(camera.StallFrames >= 1))
        {
            yield return ConfigProblem.Bad($"{key}.stall_frames", camera.StallFrames, "use at least 1 frame interval.");
        }
        if (!(camera.Reconnect.InitialDelaySeconds > 0) || camera.Reconnect.MaxDelaySeconds < camera.Reconnect.InitialDelaySeconds)
        {
            yield return ConfigProblem.Bad($"{key}.reconnect", $"{camera.Reconnect.InitialDelaySeconds}..{camera.Reconnect.MaxDelaySeconds}", "initial_delay_seconds must be positive and not above max_delay_seconds.");
        }
        if (camera.Reconnect.MaxAttempts is < 1)
        {
            yield return ConfigProblem.Bad($"{key}.reconnect.max_attempts", camera.Reconnect.MaxAttempts, "use a positive number, or leave it out to retry forever.");
        }
        foreach (var problem in CameraZonesConfig.Check(camera, key))
        {
            yield return problem;
        }
        if (camera.MaxFrames is <= 0)
        {
            yield return ConfigProblem.Bad($"{key}.max_frames", camera.MaxFrames, "use a positive number, or leave it out to read to the end.");
        }
        if (camera.Intrinsics is { } k && (k.Count != 4 || !(k[0] > 0) || !(k[1] > 0)))
        {
            yield return ConfigProblem.Bad($"{key}.intrinsics", $"[{string.Join(", ", k)}]", "give [fx, fy, cx, cy] in pixels of the camera's frames (fx, fy positive).");
        }
        if (camera.Pose is { } pose && (pose.Rotation.Count != 4 || !(Math.Sqrt(pose.Rotation.Sum(v => v * v)) > 1e-6)))
        {
            yield return ConfigProblem.Bad($"{key}.pose.rotation", $"[{string.Join(", ", pose.Rotation)}]", "give a unit quaternion [w, x, y, z] ([1, 0, 0, 0] is no rotation).");
        }
        if (camera.Pose is { } p && p.Translation.Count != 3)
        {
            yield return ConfigProblem.Bad($"{key}.pose.translation", $"[{string.Join(", ", p.Translation)}]", "give [x, y, z] in metres.");
        }
    }
}
