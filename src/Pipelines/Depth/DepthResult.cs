using StreamVision.Pipelines.Graph;

namespace StreamVision.Pipelines.Depth;

/// <summary>Nearest value in the left, centre and right thirds of the image (columns), in the
/// model's quantity: the largest inverse depth, or the smallest distance in metres.</summary>
public readonly record struct ThirdsNearest(float Left, float Centre, float Right);

/// <summary>One depth map (model resolution) with the statistics drones use.</summary>
public sealed class DepthResult : StageResult
{
    private readonly PooledArray<float> _values;

    internal DepthResult(PooledArray<float> values, int width, int height)
    {
        _values = values;
        Width = width;
        Height = height;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>True: values are metres; false: relative inverse depth (bigger is nearer).</summary>
    public required bool Metric { get; init; }

    public required float Min { get; init; }
    public required float Median { get; init; }
    public required float Max { get; init; }
    public required ThirdsNearest Nearest { get; init; }

    /// <summary>Row-major values, in metres or relative inverse depth.</summary>
    public ReadOnlySpan<float> Values => _values.Span;

    protected override void Free()
    {
        _values.Return();
    }
}
