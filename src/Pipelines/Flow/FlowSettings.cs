namespace StreamVision.Pipelines.Flow;

/// <summary>Speed/quality presets of the built-in engines (DIS: OpenCV's presets of the same names).</summary>
public enum FlowPreset
{
    Ultrafast,
    Fast,
    Medium,
}

/// <param name="Width">Field width for the built-in engine (frames are downscaled to it, aspect kept).</param>
/// <param name="MovingThreshold">Frame pixels per frame above which a pixel counts as moving.</param>
/// <param name="Engine">Which built-in engine runs when no model is given.</param>
public sealed record FlowSettings(FlowPreset Preset = FlowPreset.Fast, int Width = 320, float MovingThreshold = 1f, BuiltInFlowEngine Engine = BuiltInFlowEngine.Dis);

/// <summary>Flow engines that need no weights.</summary>
public enum BuiltInFlowEngine
{
    /// <summary>Dense Inverse Search (Kroeger et al. 2016), as in OpenCV's DISOpticalFlow.</summary>
    Dis,

    /// <summary>OpenCV's Farneback polynomial-expansion flow.</summary>
    Farneback,
}
