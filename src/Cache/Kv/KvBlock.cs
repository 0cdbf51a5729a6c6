namespace StreamVision.Cache.Kv;

/// <summary>
/// The keys and values of a run of consecutive tokens of one kind (a frame's visual tokens, a text
/// segment, the system prompt) for every layer and KV head, each as a [tokens, head_dim] matrix:
/// full precision, or quantised (<see cref="QuantizedMatrix"/>), or moved to a slower tier
/// (<see cref="IKvTier"/>, per head as HeadInfer does). <see cref="Bytes"/> is what the block holds
/// in memory right now; the cache accounts it against its budget.
/// </summary>
public sealed partial class KvBlock
{
    private readonly KvLayout _layout;
    private readonly float[]?[] _full;           // per matrix: (layer × heads + head) × 2 + (0 key, 1 value)
    private readonly QuantizedMatrix?[] _quantized;
    private readonly string?[] _offloaded;       // tier key per matrix, when moved out
    private IKvTier? _tier;

    /// <param name="matrices">Per matrix (see above) [tokens × head_dim] values.</param>
    public KvBlock(KvLayout layout, TokenKind kind, IReadOnlyList<long> positions, float[][] matrices)
    {
        if (matrices.Length != layout.VectorsPerToken)
        {
            throw new ArgumentException($"a block holds {layout.VectorsPerToken} matrices (keys and values per layer and head), got {matrices.Length}");
        }
        _layout = layout;
        Kind = kind;
        Positions = positions.ToArray();
        Scores = new float[Positions.Length];
        foreach (var m in matrices)
        {
            if (m.Length != Positions.Length * layout.HeadDim)
            {
                throw new ArgumentException($"each matrix holds tokens × head_dim = {Positions.Length * layout.HeadDim} values, got {m.Length}");
            }
        }
        _full = matrices.Select(m => (float[]?)m).ToArray();
        _quantized = new QuantizedMatrix?[matrices.Length];
        _offloaded = new string?[matrices.Length];
    }

    public TokenKind Kind { get; }

    /// <summary>Position of each token in the decoder's sequence.</summary>
    public long[] Positions { get; private set; }

    /// <summary>Importance of each token (e.g. attention received), for eviction.</summary>
    public float[] Scores { get; private set; }

    public int Tokens => Positions.Length;

    /// <summary>Changes whenever the values a reader gets change (quantised, tokens dropped), so a
    /// dense copy of the block kept elsewhere knows it is stale. Offloading keeps the values.</summary>
    public int Version { get; private set; }

    /// <summary>Bits per value when quantised; null at full precision.</summary>
    public int? Bits => _quantized.FirstOrDefault(q => q is not null)?.Bits;

    public bool IsOffloaded => _offloaded.Any(k => k is not null);

    public static int MatrixIndex(KvLayout layout, int layer, int head, bool value) => (layer * layout.KvHeads + head) * 2 + (value ? 1 : 0);

    /// <summary>Bytes held in memory (not counting what is offloaded).</summary>
    public long Bytes
    {
        get
        {
            if (Positions.Length == 0)
            {
                return 0; // every token evicted: nothing left worth its quantisation ranges
            }
            // The block, its positions and scores, its three per-matrix tables, then each matrix.
            var bytes = HeapSize.Object(8 * HeapSize.Reference + 2 * sizeof(int))
                + HeapSize.Array(Positions.Length, sizeof(long)) + HeapSize.Array(Scores.Length, sizeof(float))
                + 3 * HeapSize.Array(_full.Length, HeapSize.Reference);
            for (var i = 0; i < _full.Length; i++)
            {
                bytes += _full[i] is { } f ? HeapSize.Array(f.Length, sizeof(float)) : _quantized[i]?.Bytes ?? 0;
            }
            return bytes;
        }
    }

    /// <summary>Reads one matrix as floats (dequantised, or fetched back from its tier).</summary>
    public void Read(int layer, int head, bool value, Span<float> into)
    {
        if (Tokens == 0)
        {
            return;
        }
        var i = MatrixIndex(_layout, layer, head, value);
        if (_offloaded[i] is { } key)
        {
            _tier!.Load(key, into);
        }
        else if (_full[i] is { } full)
        {
            full.CopyTo(into);
        }
        else
        {
            _quantized[i]!.Dequantize(into);
        }
    }

    /// <summary>One matrix of several blocks read one after another into <paramref name="into"/>
    /// ([Σ tokens, head_dim]): the past as a decoder takes it, or a snapshot of a memory.</summary>
    public static void ReadConcatenated(IReadOnlyList<KvBlock> blocks, int layer, int head, bool value, Span<float> into)
    {
        var offset = 0;
        foreach (var block in blocks)
        {
            var length = block.Tokens * block._layout.HeadDim;
            block.Read(layer, head, value, into.Slice(offset, length));
            offset += length;
        }
    }

    /// <summary>Whether quantising to <paramref name="bits"/> makes this block smaller (a block of few
    /// tokens may not: its per-channel ranges cost more than the codes save).</summary>
    public bool ShrinksWhenQuantized(int bits)
    {
        var held = _full.Select((f, i) => f is not null ? HeapSize.Array(f.Length, sizeof(float)) : _quantized[i]?.Bytes ?? 0).Sum();
        var quantized = _offloaded.Count(k => k is null) * QuantizedMatrix.BytesFor(Tokens, _layout.HeadDim, bits);
        return Tokens > 0 && quantized < held;
    }

    /// <summary>Quantises (or re-quantises to fewer bits) every matrix held in memory. Only visual
    /// tokens are quantised: text and system tokens keep full precision.</summary>
    public void Quantize(int bits, float clip)
    {
        if (Kind != TokenKind.Visual)
        {
            throw new InvalidOperationException($"{Kind} tokens stay at full precision; only visual KV is quantised");
        }
        if (Tokens == 0 || Bits is { } current && current <= bits)
        {
            return;
        }
        var scratch = new float[Tokens * _layout.HeadDim];
        for (var i = 0; i < _full.Length; i++)
        {
            if (_offloaded[i] is not null)
            {
                continue;
            }
            ReadHeld(i, scratch);
            _quantized[i] = QuantizedMatrix.Quantize(scratch, Tokens, _layout.HeadDim, bits, clip);
            _full[i] = null;
        }
        Version++;
    }

    private void ReadHeld(int i, Span<float> into)
    {
        if (_full[i] is { } full)
        {
            full.CopyTo(into);
        }
        else
        {
            _quantized[i]!.Dequantize(into);
        }
    }

    /// <summary>Moves the keys and values of <paramref name="heads"/> (every layer) to <paramref name="tier"/>.</summary>
    /// <returns>Bytes no longer held in memory.</returns>
    public long Offload(IKvTier tier, IEnumerable<int> heads, string keyPrefix)
    {
        if (_tier is not null && !ReferenceEquals(_tier, tier))
        {
            throw new InvalidOperationException("a block offloads to one tier");
        }
        if (Tokens == 0)
        {
            return 0;
        }
        var before = Bytes;
        var scratch = new float[Tokens * _layout.HeadDim];
        foreach (var head in heads)
        {
            for (var layer = 0; layer < _layout.Layers; layer++)
            {
                foreach (var value in new[] { false, true })
                {
                    var i = MatrixIndex(_layout, layer, head, value);
                    if (_offloaded[i] is not null)
                    {
                        continue;
                    }
                    ReadHeld(i, scratch);
                    var key = $"{keyPrefix}-{i}";
                    if (!tier.Store(key, scratch))
                    {
                        return before - Bytes; // the tier is full: what moved so far stays moved
                    }
                    _tier = tier;
                    _offloaded[i] = key;
                    _full[i] = null;
                    _quantized[i] = null;
                }
            }
        }
        return before - Bytes;
    }

    /// <summary>Forgets what this block put in its tier.</summary>
    public void ReleaseTier()
    {
        for (var i = 0; i < _offloaded.Length; i++)
        {
            if (_offloaded[i] is { } key)
            {
                _tier!.Remove(key);
                _offloaded[i] = null;
            }
        }
    }
}
