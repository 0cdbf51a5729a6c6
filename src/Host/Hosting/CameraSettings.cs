using System.Globalization;

namespace StreamVision.Host.Hosting;

/// <summary>
/// The settings that can change per camera while the service runs — each stage on or off, and
/// max_fps — with their parsing and current values, shared by MQTT commands and the REST API.
/// Values are text as they travel on MQTT: stages "ON"/"OFF", max_fps a number or "none".
/// </summary>
public sealed class CameraSettings(Pipelines.Graph.Pipeline pipeline)
{
    public const string MaxFps = "max_fps";

    /// <summary>Every setting name a camera has: its stages, then max_fps.</summary>
    public IReadOnlyList<string> Names => [.. pipeline.StageNames, MaxFps];

    /// <summary>The setting's current value, or null when the camera is not running.</summary>
    public string? Get(string camera, string setting)
    {
        if (setting == MaxFps)
        {
            return pipeline.Source(camera) is { } source ? Format(source.MaxFps) : null;
        }
        return pipeline.IsStageEnabled(camera, setting) is { } on ? (on ? "ON" : "OFF") : null;
    }

    /// <summary>Applies <paramref name="value"/>; returns the new value, or throws
    /// <see cref="ArgumentException"/> naming what is wrong — nothing changes then.</summary>
    public string Set(string camera, string setting, string value)
    {
        var source = pipeline.Source(camera) ?? throw new ArgumentException($"no camera '{camera}'; running cameras: {string.Join(", ", pipeline.Sources.Select(s => s.CameraId))}.");
        value = value.Trim();
        if (setting == MaxFps)
        {
            if (value.Equals("none", StringComparison.OrdinalIgnoreCase) || value == "0")
            {
                source.MaxFps = null;
            }
            else if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var fps) && fps > 0 && fps <= 1000)
            {
                source.MaxFps = fps;
            }
            else
            {
                throw new ArgumentException($"max_fps '{Shorten(value)}' is not a frame rate; send a number of frames per second (0 < fps <= 1000), or 'none' for every frame.");
            }
            return Format(source.MaxFps);
        }
        if (!pipeline.StageNames.Contains(setting))
        {
            throw new ArgumentException($"'{Shorten(setting)}' is not a setting of camera '{camera}'; settings: {string.Join(", ", Names)}.");
        }
        var enabled = value.ToUpperInvariant() switch
        {
            "ON" or "TRUE" or "1" or "ENABLE" => true,
            "OFF" or "FALSE" or "0" or "DISABLE" => false,
            _ => throw new ArgumentException($"stage '{setting}' takes ON or OFF, not '{Shorten(value)}'."),
        };
        pipeline.SetStageEnabled(camera, setting, enabled);
        return enabled ? "ON" : "OFF";
    }

    private static string Format(double? fps) => fps is { } v ? v.ToString("0.###", CultureInfo.InvariantCulture) : "none";

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
