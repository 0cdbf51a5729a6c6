using StreamVision.Cache.Kv;

namespace StreamVision.Pipelines.VideoLlm;

/// <summary>
/// What eviction ranks by (<see cref="KvBlock.Scores"/>, lowest dropped first), written on every
/// decoder run. With a decoder that exports its attention weights, a token's score is the
/// attention it has received, accumulated over runs with a decay (H2O's heavy hitters; Locret's
/// retaining score is learned, this is its training-free counterpart). Without them, the key-norm
/// proxy: tokens whose keys have a low L2 norm receive high attention (Devoto et al. 2024,
/// "A Simple and Effective L2 Norm-Based Strategy for KV Cache Compression"), so a token's score is
/// minus its mean key norm, fixed when the token is cached.
/// </summary>
public static class ImportanceScores
{
    /// <summary>Older attention counts for less by this factor per run (a token the model stopped
    /// looking at loses its place to ones it looks at now).</summary>
    public const float Decay = 0.95f;

    /// <summary>Adds what each past token received in a run (<paramref name="received"/>, in the
    /// order of <paramref name="pastBlocks"/>) to the decayed scores.</summary>
    public static void Accumulate(IReadOnlyList<KvBlock> pastBlocks, ReadOnlySpan<float> received)
    {
        var at = 0;
        foreach (var block in pastBlocks)
        {
            var scores = block.Scores;
            for (var t = 0; t < scores.Length && at < received.Length; t++, at++)
            {
                scores[t] = scores[t] * Decay + received[at];
            }
        }
    }

    /// <summary>Minus the mean L2 norm of each token's keys over layers and heads.</summary>
    public static void KeyNormProxy(KvBlock block, KvLayout layout)
    {
        var dim = layout.HeadDim;
        var keys = new float[block.Tokens * dim];
        var norms = new float[block.Tokens];
        for (var layer = 0; layer < layout.Layers; layer++)
        {
            for (var head = 0; head < layout.KvHeads; head++)
            {
                block.Read(layer, head, value: false, keys);
                for (var t = 0; t < block.Tokens; t++)
                {
                    var row = keys.AsSpan(t * dim, dim);
                    var sum = 0f;
                    foreach (var v in row)
                    {
                        sum += v * v;
                    }
                    norms[t] += MathF.Sqrt(sum);
                }
            }
        }
        var matrices = layout.Layers * layout.KvHeads;
        for (var t = 0; t < block.Tokens; t++)
        {
            block.Scores[t] = -norms[t] / matrices;
        }
    }
}
