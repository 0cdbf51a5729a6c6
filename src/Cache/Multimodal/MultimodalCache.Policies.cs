using StreamVision.Cache.Kv;

namespace StreamVision.Cache.Multimodal;

/// <summary>What the cache does to its KV when room is short or the window full: the policies
/// (quantise, offload, evict), re-basing positions, and CalibQuant's calibration.</summary>
public sealed partial class MultimodalCache
{
    /// <summary>The clip factor per bit width this camera's visual KV is quantised with: calibrated
    /// on its first visual tokens, the fixed constants before that.</summary>
    public float ClipFor(int bits) => ClipFactors is { } calibrated && calibrated.TryGetValue(bits, out var clip) ? clip : _options.Clip(bits);

    /// <summary>The calibrated clip factors (null until enough visual tokens were seen).</summary>
    public IReadOnlyDictionary<int, float>? ClipFactors { get; private set; }

    /// <summary>Calibrates the clip factors once, on the full-precision visual KV in the window, as
    /// soon as it holds <see cref="CacheOptions.CalibrationTokens"/> tokens.</summary>
    private void CalibrateOnce()
    {
        if (ClipFactors is not null || _options.CalibrationTokens <= 0)
        {
            return;
        }
        var blocks = _frames.Select(f => f.Kv).OfType<KvBlock>().Where(b => b.Bits is null && !b.IsOffloaded && b.Tokens > 0).ToList();
        var tokens = blocks.Sum(b => b.Tokens);
        if (tokens < _options.CalibrationTokens)
        {
            return;
        }
        var kv = _options.Kv;
        var sample = new List<(float[] Keys, float[] Values)>();
        // At most 16 (layer, head) pairs spread over the model: a 30-layer model's every head would
        // cost seconds on the stage's thread for little more precision.
        var pairs = kv.Layers * kv.KvHeads;
        foreach (var pair in Enumerable.Range(0, Math.Min(16, pairs)).Select(i => i * pairs / Math.Min(16, pairs)))
        {
            var (layer, head) = (pair / kv.KvHeads, pair % kv.KvHeads);
            {
                var keys = new float[tokens * kv.HeadDim];
                var values = new float[tokens * kv.HeadDim];
                KvBlock.ReadConcatenated(blocks, layer, head, false, keys);
                KvBlock.ReadConcatenated(blocks, layer, head, true, values);
                sample.Add((keys, values));
            }
        }
        ClipFactors = ClipCalibration.Calibrate(sample, kv.HeadDim, _options.QuantizationBits);
    }

    /// <summary>
    /// Re-bases every cached token to its place in the cache (StreamingLLM): the system prompt, the
    /// attention sink, keeps 0.., and every later token follows without gaps, keys rotated by
    /// <paramref name="rotateKeys"/>. Returns the position the next token takes.
    /// </summary>
    public long Rebase(KvBlock.RotateKeys rotateKeys)
    {
        CollectVerbalized(wait: true); // every key moves: nothing may be reading them
        long next = 0;
        foreach (var block in KvBlocks.Where(b => b.Tokens > 0).ToList())
        {
            var positions = Enumerable.Range(0, block.Tokens).Select(t => next + t).ToList();
            Reaccount(block, () => block.Reposition(positions, rotateKeys));
            next += block.Tokens;
        }
        return next;
    }

    /// <summary>Evicts <paramref name="count"/> tokens by importance (outside the protected recent
    /// window and the system prompt), whatever the budget: the decoder's window is full.</summary>
    public int EvictTokens(int count)
    {
        var before = EvictedTokens;
        Evict(EvictableBlocks(), count);
        return (int)(EvictedTokens - before);
    }

    private List<KvBlock> EvictableBlocks() => PolicyBlocks.Where(b => b.Kind != TokenKind.System && b.Tokens > 0).ToList();

    /// <summary>Drops up to <paramref name="count"/> of <paramref name="blocks"/>' tokens by importance;
    /// returns the bytes freed.</summary>
    private long Evict(List<KvBlock> blocks, int count)
    {
        var freed = 0L;
        foreach (var (block, keep) in ImportanceEviction.Plan(blocks, _options.ProtectedRecentTokens, count))
        {
            var dropped = keep.Count(k => !k);
            if (dropped > 0)
            {
                freed += Reaccount(block, () => block.Keep(keep));
                EvictedTokens += dropped;
            }
        }
        ForgetEmptyBlocks();
        return freed;
    }

    /// <summary>Runs the policies, in order, until <paramref name="bytes"/> could be reserved in this
    /// cache's budget and its parents (where the decoder's past and questions are counted too),
    /// counting what evicted tokens free outside it (<see cref="CacheOptions.ExternalBytesPerToken"/>);
    /// false when they can free nothing more.</summary>
    public bool MakeRoom(long bytes) => MakeRoom(bytes, countExternal: true);

    private bool MakeRoom(long bytes, bool countExternal)
    {
        var evictedBefore = EvictedTokens;
        var external = countExternal ? _options.ExternalBytesPerToken : 0;
        long Room() => _budget.AvailableInHierarchy + (EvictedTokens - evictedBefore) * external;
        foreach (var policy in _options.Policies)
        {
            while (Room() < bytes)
            {
                if (!Step(policy, bytes - Room()))
                {
                    break;
                }
            }
        }
        return Room() >= bytes;
    }

    /// <summary>One step of a policy; false when it can free nothing more.</summary>
    private bool Step(CachePolicy policy, long needed) => policy switch
    {
        CachePolicy.Quantize => QuantizeStep(needed),
        CachePolicy.Evict => EvictStep(needed),
        CachePolicy.Offload => OffloadStep(needed),
        _ => false,
    };

    private bool QuantizeStep(long needed)
    {
        var visual = _expiring.Concat(_frames).Select(f => f.Kv).OfType<KvBlock>().Where(b => !b.IsOffloaded && b.Tokens > 0).ToList();
        foreach (var bits in _options.QuantizationBits)
        {
            var freed = 0L;
            // All visual KV goes to this precision, oldest first, before any goes further down.
            foreach (var block in visual.Where(b => (b.Bits is null || b.Bits > bits) && b.ShrinksWhenQuantized(bits)))
            {
                freed += Reaccount(block, () => block.Quantize(bits, ClipFor(bits)));
                QuantizedBlocks++;
                if (freed >= needed)
                {
                    return true;
                }
            }
            if (freed > 0)
            {
                return true;
            }
        }
        return false;
    }

    private bool EvictStep(long needed)
    {
        var blocks = EvictableBlocks();
        var tokens = blocks.Sum(b => b.Tokens);
        if (tokens == 0)
        {
            return false;
        }
        var perToken = Math.Max(1, blocks.Sum(b => b.Bytes) / tokens + _options.ExternalBytesPerToken);
        var drop = (int)Math.Min(tokens, Math.Max(1, (needed + perToken - 1) / perToken));
        return Evict(blocks, drop) > 0;
    }

    /// <summary>A block whose every token was evicted is let go (its frame or segment stays):
    /// an empty block counts 0 bytes, so nothing may keep it alive.</summary>
    private void ForgetEmptyBlocks()
    {
        for (var node = _frames.First; node is not null; node = node.Next)
        {
            if (node.Value.Kv is { Tokens: 0 })
            {
                node.Value = node.Value with { Kv = null };
            }
        }
        for (var i = 0; i < _expiring.Count; i++)
        {
            if (_expiring[i].Kv is { Tokens: 0 })
            {
                _expiring[i] = _expiring[i] with { Kv = null };
            }
        }
        for (var i = 0; i < _segments.Count; i++)
        {
            if (_segments[i].Kv is { Tokens: 0 })
            {
                _segments[i] = (_segments[i].Segment, null);
            }
        }
    }

    private bool OffloadStep(long needed)
    {
        var freed = 0L;
        foreach (var block in PolicyBlocks.Where(b => b.Kind != TokenKind.System && !b.IsOffloaded && b.Tokens > 0))
        {
            foreach (var tier in new[] { _host, _disk }.OfType<IKvTier>())
            {
                var key = $"b{Interlocked.Increment(ref _offloadSerial)}";
                var moved = Reaccount(block, () => block.Offload(tier, Enumerable.Range(0, _options.Kv.KvHeads), key));
                if (moved > 0)
                {
                    OffloadedBytes += moved;
                    freed += moved;
                    break;
                }
            }
            if (freed >= needed)
            {
                return true;
            }
        }
        return freed > 0;
    }

    /// <summary>Runs a change that shrinks a block and gives back the bytes it no longer holds.</summary>
    private long Reaccount(KvBlock block, Action change)
    {
        var before = block.Bytes;
        change();
        var freed = before - block.Bytes;
        if (freed < 0)
        {
            throw new InvalidOperationException($"a cache policy grew a KV block by {-freed} bytes; policies may only shrink blocks.");
        }
        _budget.Release(freed);
        return freed;
    }
}
