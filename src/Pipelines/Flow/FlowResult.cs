using StreamVision.Pipelines.Graph;

namespace StreamVision.Pipelines.Flow;

/// <summary>Motion summary in frame pixels per frame. Direction is in image coordinates:
/// 0° = right, 90° = down.</summary>
public readonly record struct FlowSummary(float MeanDx, float MeanDy, float MeanMagnitude, float MovingFraction, float DominantDirectionDegrees);

/// <summary>A dense flow field from the previous frame to this one, at field resolution:
/// per field pixel (dx, dy) in field pixels, interleaved, row-major.</summary>
public sealed class FlowResult : StageResult
{
    private readonly PooledArray<float> _field;

    internal FlowResult(PooledArray<float> field, int width, int height)
    {
        _field = field;
        FieldWidth = width;
        FieldHeight = height;
    }

    public int FieldWidth { get; }
    public int FieldHeight { get; }

    /// <summary>Frame pixels per field pixel along x and y.</summary>
    public required float ScaleX { get; init; }

    public required float ScaleY { get; init; }

    /// <summary>False for a camera's first frame (nothing to compare with: the field is zero).</summary>
    public required bool HasPrevious { get; init; }

    public required FlowSummary Summary { get; init; }

    /// <summary>Mean of the model's uncertainty head over the field, when it has one (ReCoVEr's optional
    /// output; the model's own unit), else null.</summary>
    public float? MeanUncertainty { get; init; }

    /// <summary>"dis", "farneback" or "onnx".</summary>
    public required string Engine { get; init; }

    public ReadOnlySpan<float> Field => _field.Span;

    protected override void Free()
    {
        _field.Return();
    }
}
