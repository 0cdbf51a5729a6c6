using StreamVision.Pipelines.Graph;

namespace StreamVision.Pipelines.Segmentation;

/// <summary>A class-index mask at the model's output resolution plus the fraction of pixels per class.
/// The mask lives in pooled memory until the result is disposed.</summary>
public sealed class SegmentationResult : StageResult
{
    private readonly PooledArray<byte> _mask;

    internal SegmentationResult(PooledArray<byte> mask, int width, int height, double[] fractions, IReadOnlyList<string> classNames)
    {
        _mask = mask;
        MaskWidth = width;
        MaskHeight = height;
        ClassFractions = fractions;
        ClassNames = classNames;
    }

    public int MaskWidth { get; }
    public int MaskHeight { get; }

    /// <summary>One byte per pixel, row-major: the class index.</summary>
    public ReadOnlySpan<byte> Mask => _mask.Span;

    /// <summary>Fraction of mask pixels per class, in the manifest's class order.</summary>
    public IReadOnlyList<double> ClassFractions { get; }

    public IReadOnlyList<string> ClassNames { get; }

    protected override void Free()
    {
        _mask.Return();
    }
}
