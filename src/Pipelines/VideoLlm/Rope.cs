namespace StreamVision.Pipelines.VideoLlm;

/// <summary>
/// Rotary position embeddings as Llama-family decoders apply them ("rotate half": channel i pairs
/// with channel i + head_dim/2, angle = position × θ^(−2i/head_dim)). A key cached at one position
/// is the same key at another after a rotation by the difference, which is what re-basing the cache
/// needs (StreamingLLM): positions by place in the cache, keys rotated by new − old.
/// </summary>
public static class Rope
{
    /// <summary>θ^(−2i/d) in float32, as the model's graph holds it.</summary>
    public static float InverseFrequency(int i, int headDim, double theta) => (float)Math.Pow(theta, -2.0 * i / headDim);

    /// <summary>Rotates each row of <paramref name="keys"/> ([rows, head_dim]) from its position in
    /// <paramref name="from"/> to the one in <paramref name="to"/>.</summary>
    public static void Rotate(Span<float> keys, ReadOnlySpan<long> from, ReadOnlySpan<long> to, int headDim, double theta)
    {
        var half = headDim / 2;
        Span<double> inverse = stackalloc double[half];
        for (var i = 0; i < half; i++)
        {
            inverse[i] = InverseFrequency(i, headDim, theta);
        }
        for (var row = 0; row < from.Length; row++)
        {
            var delta = to[row] - from[row];
            if (delta == 0)
            {
                continue;
            }
            var x = keys.Slice(row * headDim, headDim);
            for (var i = 0; i < half; i++)
            {
                var (sin, cos) = Math.SinCos(delta * inverse[i]);
                double a = x[i], b = x[i + half];
                x[i] = (float)(a * cos - b * sin);
                x[i + half] = (float)(b * cos + a * sin);
            }
        }
    }
}
