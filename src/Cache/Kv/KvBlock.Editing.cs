namespace StreamVision.Cache.Kv;

/// <summary>Changing which tokens a block holds and where they sit: re-basing positions (keys
/// rotated to their new place) and keeping a subset (eviction).</summary>
public sealed partial class KvBlock
{
    /// <summary>Moves the tokens to <paramref name="positions"/>: values stay, each key matrix
    /// [tokens, head_dim] is handed to <paramref name="rotateKeys"/> with the old and new positions
    /// (a RoPE model's keys carry their position), wherever it is held — full, quantised (then
    /// quantised again at its precision) or offloaded (brought back, stored again).</summary>
    public void Reposition(IReadOnlyList<long> positions, RotateKeys rotateKeys)
    {
        if (positions.Count != Tokens)
        {
            throw new ArgumentException($"a block of {Tokens} tokens needs {Tokens} positions, got {positions.Count}");
        }
        var to = positions.ToArray();
        if (to.AsSpan().SequenceEqual(Positions))
        {
            return;
        }
        var scratch = new float[Tokens * _layout.HeadDim];
        for (var layer = 0; layer < _layout.Layers; layer++)
        {
            for (var head = 0; head < _layout.KvHeads; head++)
            {
                var i = MatrixIndex(_layout, layer, head, value: false);
                if (_offloaded[i] is { } key)
                {
                    _tier!.Load(key, scratch);
                    rotateKeys(scratch, Positions, to);
                    _tier.Store(key, scratch);
                }
                else if (_full[i] is { } full)
                {
                    rotateKeys(full, Positions, to);
                }
                else if (_quantized[i] is { } quantized)
                {
                    quantized.Dequantize(scratch);
                    rotateKeys(scratch, Positions, to);
                    _quantized[i] = QuantizedMatrix.Quantize(scratch, Tokens, _layout.HeadDim, quantized.Bits, quantized.Clip);
                }
            }
        }
        Positions = to;
        Version++;
    }

    /// <summary>Rotates key rows ([tokens, head_dim]) from the positions in <c>from</c> to those in <c>to</c>.</summary>
    public delegate void RotateKeys(Span<float> keys, ReadOnlySpan<long> from, ReadOnlySpan<long> to);

    /// <summary>Keeps the tokens whose flag is set and forgets the others.</summary>
    public void Keep(ReadOnlySpan<bool> keep)
    {
        var kept = new List<int>();
        for (var t = 0; t < Tokens; t++)
        {
            if (keep[t])
            {
                kept.Add(t);
            }
        }
        var dim = _layout.HeadDim;
        var scratch = new float[Tokens * dim];
        for (var i = 0; i < _full.Length; i++)
        {
            if (_offloaded[i] is { } key)
            {
                // Bring it back, trim it, send it out again: offloaded heads stay offloaded.
                _tier!.Load(key, scratch);
                _tier.Store(key, Select(scratch, kept, dim));
            }
            else if (_full[i] is { } full)
            {
                _full[i] = Select(full, kept, dim);
            }
            else
            {
                _quantized[i] = _quantized[i]!.Select(keep);
            }
        }
        Positions = kept.Select(t => Positions[t]).ToArray();
        Scores = kept.Select(t => Scores[t]).ToArray();
        Version++;
        if (kept.Count == 0)
        {
            ReleaseTier();
            Array.Clear(_full);
            Array.Clear(_quantized);
        }
    }

    private static float[] Select(ReadOnlySpan<float> values, List<int> tokens, int dim)
    {
        var selected = new float[tokens.Count * dim];
        for (var r = 0; r < tokens.Count; r++)
        {
            values.Slice(tokens[r] * dim, dim).CopyTo(selected.AsSpan(r * dim, dim));
        }
        return selected;
    }
}
