namespace StreamVision.Cache.Kv;

/// <summary>
/// CalibQuant's calibration: for each bit width, the clip factor that minimises the attention-output
/// error of quantised keys and values on observed data. The sample's own keys stand in for the
/// queries (the stream's queries are not cached; in self-attention they come from the same tokens),
/// and the search runs over a grid of factors. Done once per camera, on its first visual blocks,
/// and reported; until then the fixed constants of <see cref="QuantizedMatrix.CalibratedClip"/> apply.
/// </summary>
public static class ClipCalibration
{
    /// <summary>The factors searched: 0.10, 0.15, … 1.00.</summary>
    public static IReadOnlyList<float> Grid { get; } = Enumerable.Range(2, 19).Select(i => i * 0.05f).ToList();

    /// <summary>Per bit width, the factor with the lowest mean attention-output error over the
    /// (keys, values) pairs of <paramref name="sample"/> (each [tokens, head_dim]).</summary>
    public static Dictionary<int, float> Calibrate(IReadOnlyList<(float[] Keys, float[] Values)> sample, int headDim, IEnumerable<int> bitWidths)
    {
        var result = new Dictionary<int, float>();
        foreach (var bits in bitWidths)
        {
            result[bits] = Grid.MinBy(clip => Error(sample, headDim, bits, clip));
        }
        return result;
    }

    /// <summary>Mean relative error of attention outputs with keys and values quantised at
    /// <paramref name="bits"/> with <paramref name="clip"/>, queries from the keys.</summary>
    public static double Error(IReadOnlyList<(float[] Keys, float[] Values)> sample, int headDim, int bits, float clip)
    {
        double total = 0;
        foreach (var (keys, values) in sample)
        {
            var tokens = keys.Length / headDim;
            var kq = new float[keys.Length];
            var vq = new float[values.Length];
            QuantizedMatrix.Quantize(keys, tokens, headDim, bits, clip).Dequantize(kq);
            QuantizedMatrix.Quantize(values, tokens, headDim, bits, clip).Dequantize(vq);
            double difference = 0, norm = 0;
            for (var q = 0; q < tokens; q++)
            {
                var query = keys.AsSpan(q * headDim, headDim);
                var exact = Attention(query, keys, values, headDim);
                var approximate = Attention(query, kq, vq, headDim);
                for (var d = 0; d < headDim; d++)
                {
                    difference += (exact[d] - approximate[d]) * (exact[d] - approximate[d]);
                    norm += exact[d] * exact[d];
                }
            }
            total += Math.Sqrt(difference / Math.Max(norm, 1e-30));
        }
        return total / Math.Max(1, sample.Count);
    }

    private static double[] Attention(ReadOnlySpan<float> query, float[] keys, float[] values, int headDim)
    {
        var tokens = keys.Length / headDim;
        var scores = new double[tokens];
        var max = double.MinValue;
        for (var t = 0; t < tokens; t++)
        {
            double dot = 0;
            for (var d = 0; d < headDim; d++)
            {
                dot += query[d] * keys[t * headDim + d];
            }
            scores[t] = dot / Math.Sqrt(headDim);
            max = Math.Max(max, scores[t]);
        }
        double sum = 0;
        for (var t = 0; t < tokens; t++)
        {
            scores[t] = Math.Exp(scores[t] - max);
            sum += scores[t];
        }
        var output = new double[headDim];
        for (var t = 0; t < tokens; t++)
        {
            for (var d = 0; d < headDim; d++)
            {
                output[d] += scores[t] / sum * values[t * headDim + d];
            }
        }
        return output;
    }
}
