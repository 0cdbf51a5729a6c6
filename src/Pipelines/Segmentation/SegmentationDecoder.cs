using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Models;

namespace StreamVision.Pipelines.Segmentation;

/// <summary>Reads a segmentation output tensor into a class-index mask and per-class pixel counts,
/// following the manifest's layout and meaning.</summary>
public sealed class SegmentationDecoder(OutputTensorSpec spec, int classCount)
{
    private readonly long[] _counts = new long[classCount];

    /// <summary>The mask (pooled) and class fractions of <paramref name="output"/> as a result.</summary>
    internal SegmentationResult ToResult(ReadOnlySpan<float> output, IReadOnlyList<string> classNames)
    {
        var pixels = Width * Height;
        var mask = new PooledArray<byte>(pixels);
        Decode(output, mask.Span, _counts);
        var fractions = new double[_counts.Length];
        for (var c = 0; c < fractions.Length; c++)
        {
            fractions[c] = (double)_counts[c] / pixels;
        }
        return new SegmentationResult(mask, Width, Height, fractions, classNames);
    }

    public int Width => spec.Width;
    public int Height => spec.Height;

    /// <param name="output">The model output, batch 1.</param>
    /// <param name="mask">Receives width × height class indices.</param>
    /// <param name="counts">Receives the pixel count per class (length = class count).</param>
    public void Decode(ReadOnlySpan<float> output, Span<byte> mask, Span<long> counts)
    {
        var pixels = spec.Width * spec.Height;
        counts[..classCount].Clear();
        if (spec.Meaning == OutputMeaning.ForegroundProbability)
        {
            var threshold = (float)spec.Threshold;
            for (var p = 0; p < pixels; p++)
            {
                var cls = output[p] > threshold ? (byte)1 : (byte)0;
                mask[p] = cls;
                counts[cls]++;
            }
            return;
        }
        var channels = spec.Channels;
        var nhwc = spec.Layout == TensorLayout.Nhwc;
        for (var p = 0; p < pixels; p++)
        {
            var best = 0;
            var bestScore = float.NegativeInfinity;
            for (var c = 0; c < channels; c++)
            {
                var score = nhwc ? output[p * channels + c] : output[c * pixels + p];
                if (score > bestScore)
                {
                    bestScore = score;
                    best = c;
                }
            }
            mask[p] = (byte)best;
            counts[best]++;
        }
    }
}
