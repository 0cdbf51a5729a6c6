namespace StreamVision.Pipelines.Flow;

/// <summary>Speed/quality presets of the built-in engine (OpenCV's Farneback flow).</summary>
public enum FlowPreset
{
    Ultrafast,
    Fast,
    Medium,
}

/// <param name="Width">Field width for the built-in engine (frames are downscaled to it, aspect kept).</param>
/// <param name="MovingThreshold">Frame pixels per frame above which a pixel counts as moving.</param>
public sealed record FlowSettings(FlowPreset Preset = FlowPreset.Fast, int Width = 320, float MovingThreshold = 1f);
