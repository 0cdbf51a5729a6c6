using StreamVision.Cache.Kv;

namespace StreamVision.Cache.Multimodal;

/// <summary>What the cache does when its budget is reached, in the order given.</summary>
public enum CachePolicy
{
    /// <summary>Quantise visual KV, oldest first, stepping down 8 → 4 → 2 → 1 bits.</summary>
    Quantize,

    /// <summary>Drop the least important tokens outside the protected recent window.</summary>
    Evict,

    /// <summary>Move KV heads of the oldest blocks to host memory, then disk.</summary>
    Offload,
}

/// <summary>How a camera's multimodal cache is shaped.</summary>
/// <param name="VisualWindow">Visual tokens are kept for this long; older frames become text.</param>
/// <param name="TokensPerFrame">Visual tokens per frame (from the projector's manifest).</param>
/// <param name="EmbeddingDim">Size of one visual token embedding.</param>
/// <param name="Kv">The decoder's KV layout.</param>
/// <param name="TextTokenCap">Long-term text beyond this many tokens is compacted (oldest segments merged).</param>
public sealed record CacheOptions(TimeSpan VisualWindow, int TokensPerFrame, int EmbeddingDim, KvLayout Kv, int TextTokenCap = 1024)
{
    public IReadOnlyList<CachePolicy> Policies { get; init; } = [CachePolicy.Quantize, CachePolicy.Evict, CachePolicy.Offload];

    /// <summary>The quantisation steps, in order (CalibQuant goes down to 1 bit).</summary>
    public IReadOnlyList<int> QuantizationBits { get; init; } = [8, 4, 2, 1];

    /// <summary>CalibQuant's clip factor per bit width (the fraction of each channel's range kept),
    /// used until the camera's own calibration is done.</summary>
    public Func<int, float> Clip { get; init; } = QuantizedMatrix.CalibratedClip;

    /// <summary>Visual tokens observed at full precision before the clip factors are calibrated on
    /// them (<see cref="ClipCalibration"/>); 0 keeps the fixed factors.</summary>
    public int CalibrationTokens { get; init; } = 64;

    /// <summary>Expired frames are verbalized together once they span this long (0: one by one, as they
    /// expire). An LLM verbalizer wants chunks: one generation per chunk, not per frame.</summary>
    public TimeSpan VerbalizeEvery { get; init; } = TimeSpan.Zero;

    /// <summary>Bytes each held token costs outside the cache's own budget account (the decoder's
    /// float32 past holds a row per token): an evicted token frees these too, once that copy is
    /// sized again, so making room counts them.</summary>
    public long ExternalBytesPerToken { get; init; }

    /// <summary>Expired chunks are described on a thread of their own (an LLM writing takes long):
    /// their frames and KV stay in memory, untouched by the policies, until the text is taken in
    /// at a later append.</summary>
    public bool VerbalizeInBackground { get; init; }

    /// <summary>Runs a long-term text segment through the decoder and returns its KV, so questions
    /// attend to the long-term memory as cached keys and values instead of prefilling its text
    /// again each time (<see cref="MultimodalCache.EncodeLongTerm"/>); null keeps text as text only.</summary>
    public Func<string, KvBlock?>? EncodeText { get; init; }

    /// <summary>Most recent tokens never evicted (Locret's stabiliser window).</summary>
    public int ProtectedRecentTokens { get; init; } = 64;
}
