namespace StreamVision.Cache.Kv;

/// <summary>The shape of a decoder's KV cache: layers × KV heads × head dimension, keys and values.</summary>
public sealed record KvLayout(int Layers, int KvHeads, int HeadDim)
{
    /// <summary>Vectors per token: one key and one value per layer and head.</summary>
    public int VectorsPerToken => 2 * Layers * KvHeads;

    /// <summary>Bytes one token takes at full precision (float32).</summary>
    public long FullBytesPerToken => (long)VectorsPerToken * HeadDim * sizeof(float);
}

/// <summary>What a cached token stands for; only visual tokens are ever quantised.</summary>
public enum TokenKind
{
    System,
    Text,
    Visual,
}
