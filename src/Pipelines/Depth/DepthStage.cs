using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Models;

namespace StreamVision.Pipelines.Depth;

/// <summary>Monocular depth with a depth-contract model (Depth-Anything-V2 style, or metric).</summary>
public sealed class DepthStageFactory(OnnxModel model) : OnnxStageFactory(model, "depth", StageName)
{
    public const string StageName = "depth";

    public override IFrameStage Create(string cameraId) => new DepthStage(Model);
}

internal sealed class DepthStage(OnnxModel model) : OnnxFrameStage(model, DepthStageFactory.StageName)
{
    private readonly DepthDecoder _decoder = new(model.Manifest.Output);

    protected override StageResult Decode(Frame frame) => _decoder.ToResult(Buffers.Output);
}

/// <summary>Reads a depth head (any of the depth layouts) into a map with the statistics drones use.</summary>
internal sealed class DepthDecoder(OutputTensorSpec spec)
{
    // Scratch for the median: selection reorders it, the map itself stays in pixel order.
    private readonly float[] _scratch = new float[spec.PlaneSize.Height * spec.PlaneSize.Width];

    public DepthResult ToResult(ReadOnlySpan<float> output)
    {
        var (height, width) = spec.PlaneSize;
        var count = width * height;
        var metric = spec.Meaning == OutputMeaning.MetricDepth;
        var scale = metric ? (float)spec.DepthScale : 1f;
        var values = new PooledArray<float>(count);
        var map = values.Span;
        float min = float.MaxValue, max = float.MinValue;
        for (var i = 0; i < count; i++)
        {
            var v = output[i] * scale;
            map[i] = v;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        map.CopyTo(_scratch);
        return new DepthResult(values, width, height)
        {
            Metric = metric,
            Min = min,
            Median = Median(_scratch),
            Max = max,
            Nearest = Thirds(map, width, height, metric),
        };
    }

    /// <summary>The median by selection (expected linear time; a full sort would cost
    /// n log n per frame on maps of a quarter-million pixels). Reorders <paramref name="values"/>.</summary>
    internal static float Median(Span<float> values)
    {
        var upper = Select(values, values.Length / 2);
        if (values.Length % 2 == 1)
        {
            return upper;
        }
        // After selection every element left of the middle is ≤ it: the lower middle is their maximum.
        var lower = float.MinValue;
        foreach (var v in values[..(values.Length / 2)])
        {
            lower = Math.Max(lower, v);
        }
        return (lower + upper) / 2;
    }

    /// <summary>Places the k-th smallest value at index k (Hoare's selection, middle pivot).</summary>
    private static float Select(Span<float> values, int k)
    {
        int left = 0, right = values.Length - 1;
        while (left < right)
        {
            var pivot = values[left + (right - left) / 2];
            int i = left, j = right;
            while (i <= j)
            {
                while (values[i] < pivot)
                {
                    i++;
                }
                while (values[j] > pivot)
                {
                    j--;
                }
                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }
            if (k <= j)
            {
                right = j;
            }
            else if (k >= i)
            {
                left = i;
            }
            else
            {
                break;
            }
        }
        return values[k];
    }

    /// <summary>Nearest per column third: the largest inverse depth, or the smallest distance.</summary>
    internal static ThirdsNearest Thirds(ReadOnlySpan<float> values, int width, int height, bool metric)
    {
        Span<float> nearest = [metric ? float.MaxValue : float.MinValue, metric ? float.MaxValue : float.MinValue, metric ? float.MaxValue : float.MinValue];
        for (var y = 0; y < height; y++)
        {
            var row = values.Slice(y * width, width);
            for (var x = 0; x < width; x++)
            {
                var third = Math.Min(2, x * 3 / width);
                var v = row[x];
                nearest[third] = metric ? Math.Min(nearest[third], v) : Math.Max(nearest[third], v);
            }
        }
        return new ThirdsNearest(nearest[0], nearest[1], nearest[2]);
    }

}
