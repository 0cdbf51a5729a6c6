using StreamVision.Cache;
using StreamVision.Cache.Kv;
using StreamVision.Cache.Multimodal;

namespace StreamVision.Pipelines.VideoLlm;

/// <summary>
/// The decoder's past as the dense float32 tensors an ONNX decoder takes ([1, kv_heads, tokens,
/// head_dim] per layer, keys and values), kept between runs so a step does not re-read and
/// dequantise the whole memory. It is memory like any other: its buffers are reserved in a
/// <see cref="ByteBudget"/> at their capacity before they exist and released when they go, so a
/// camera's budget counts the float32 copy the decoder reads beside the (possibly quantised or
/// offloaded) blocks. Appending re-lays the heads out in place (the head stride is the length);
/// new buffers are made only when the capacity is exceeded or far too large. When the budget has
/// no room, <c>makeRoom</c> (the camera's cache policies) is asked to free the difference first.
/// </summary>
public sealed class DecoderPast : IDisposable
{
    private readonly KvLayout _layout;
    private readonly ByteBudget _budget;
    private readonly Func<long, bool>? _makeRoom;
    private readonly List<(KvBlock Block, int Version, int Tokens)> _source = [];
    private NativeFloats[] _matrices;
    private int _capacity;
    private bool _disposed;

    /// <param name="budget">Where this copy's bytes are counted.</param>
    /// <param name="makeRoom">Frees at least the given bytes in <paramref name="budget"/>'s
    /// hierarchy if it can (false when it cannot).</param>
    public DecoderPast(KvLayout layout, ByteBudget budget, Func<long, bool>? makeRoom = null)
    {
        _layout = layout;
        _budget = budget;
        _makeRoom = makeRoom;
        _matrices = Enumerable.Range(0, layout.Layers * 2).Select(_ => NativeFloats.Empty).ToArray();
    }

    /// <summary>Past tokens held.</summary>
    public int Length { get; private set; }

    /// <summary>Bytes the buffers hold (their capacity), as counted in the budget.</summary>
    public long Bytes => (long)_capacity * _layout.FullBytesPerToken;

    /// <summary>The blocks the copy was made from, in order (empty for a detached copy).</summary>
    public IReadOnlyList<KvBlock> Blocks => _source.Select(s => s.Block).ToList();

    /// <summary>Makes the copy equal <paramref name="blocks"/> (in position order): appends what is
    /// new when the copy's blocks are an unchanged prefix of them, else rebuilds in place. Room is
    /// made first: freeing it may quantise or evict tokens of these very blocks.</summary>
    /// <param name="shrinkToFit">Give back every byte beyond what the blocks need now (room is being
    /// made for someone else), not only when the capacity is twice too large.</param>
    public void Sync(IReadOnlyList<KvBlock> blocks, bool shrinkToFit = false)
    {
        if (shrinkToFit && _capacity > Grown(blocks.Sum(b => b.Tokens)))
        {
            Drop();
        }
        EnsureCapacity(blocks);
        var isPrefix = _source.Count <= blocks.Count;
        for (var i = 0; isPrefix && i < _source.Count; i++)
        {
            var (block, version, tokens) = _source[i];
            isPrefix = ReferenceEquals(block, blocks[i]) && block.Version == version && block.Tokens == tokens;
        }
        if (!isPrefix)
        {
            _source.Clear();
            Length = 0;
            if (_capacity > 2 * Grown(blocks.Sum(b => b.Tokens)))
            {
                Drop(); // the memory shrank (evicted, expired): give the bytes back
                EnsureCapacity(blocks);
            }
        }
        if (blocks.Count > _source.Count)
        {
            Append(blocks.Skip(_source.Count).ToList());
        }
    }

    private void EnsureCapacity(IReadOnlyList<KvBlock> blocks)
    {
        var needed = blocks.Sum(b => b.Tokens);
        for (var attempt = 0; needed > _capacity; attempt++)
        {
            if (!Resize(Grown(needed), mayDrop: true) && attempt >= 8)
            {
                throw new CacheBudgetException($"budget '{_budget.Name}': the decoder's past of {needed:N0} tokens does not fit after making room {attempt} times.");
            }
            needed = blocks.Sum(b => b.Tokens);
        }
    }

    /// <summary>Adds a block whose tokens now follow the past (a run's new tokens).</summary>
    public void Append(KvBlock block)
    {
        Reserve(block.Tokens);
        Append([block]);
    }

    /// <summary>Makes room for <paramref name="tokens"/> more tokens now, so a later append cannot
    /// fail half-way (a question reserves its prompt and answer up front).</summary>
    public void Reserve(int tokens)
    {
        // Never dropped here: nothing would read the blocks back before the decoder runs.
        for (var attempt = 0; Length + tokens > _capacity; attempt++)
        {
            if (!Resize(Grown(Length + tokens), mayDrop: false) && attempt >= 8)
            {
                throw new CacheBudgetException($"budget '{_budget.Name}': no room for {tokens:N0} more tokens of the decoder's past.");
            }
        }
    }

    /// <summary>A copy of this past in another budget (a question's), with room for
    /// <paramref name="extraTokens"/> more; it follows no blocks (appends only).</summary>
    public DecoderPast Clone(ByteBudget budget, int extraTokens, Func<long, bool>? makeRoom = null)
    {
        var copy = new DecoderPast(_layout, budget, makeRoom);
        // Making room may evict and shrink this past: the copy is sized again each time.
        for (var attempt = 0; !copy.Resize(Length + extraTokens, mayDrop: false); attempt++)
        {
            if (attempt >= 8)
            {
                copy.Dispose();
                throw new CacheBudgetException($"budget '{budget.Name}': no room for a copy of the decoder's past ({Length:N0} tokens).");
            }
        }
        var size = _layout.KvHeads * Length * _layout.HeadDim;
        for (var m = 0; m < _matrices.Length; m++)
        {
            _matrices[m].Span[..size].CopyTo(copy._matrices[m].Span);
        }
        copy.Length = Length;
        return copy;
    }

    /// <summary>Reads <paramref name="added"/> in after the past; the capacity is already there.</summary>
    private void Append(IReadOnlyList<KvBlock> added)
    {
        var extra = added.Sum(b => b.Tokens);
        var (heads, dim) = (_layout.KvHeads, _layout.HeadDim);
        var length = Length + extra;
        for (var layer = 0; layer < _layout.Layers; layer++)
        {
            foreach (var value in new[] { false, true })
            {
                var matrix = _matrices[layer * 2 + (value ? 1 : 0)].Span;
                // Heads move to their new stride last to first, so no head overwrites one not yet moved.
                for (var head = heads - 1; head >= 0; head--)
                {
                    matrix.Slice(head * Length * dim, Length * dim).CopyTo(matrix[(head * length * dim)..]);
                    KvBlock.ReadConcatenated(added, layer, head, value, matrix.Slice(head * length * dim + Length * dim, extra * dim));
                }
            }
        }
        Length = length;
        _source.AddRange(added.Select(b => (b, b.Version, b.Tokens)));
    }

    /// <summary>One layer's keys or values, [kv_heads, <see cref="Length"/>, head_dim].</summary>
    public ReadOnlySpan<float> Matrix(int layer, bool value) => _matrices[layer * 2 + (value ? 1 : 0)].Span[..(_layout.KvHeads * Length * _layout.HeadDim)];

    /// <summary>Where <see cref="Matrix"/> lives, for ONNX Runtime to read in place.</summary>
    internal nint Pointer(int layer, bool value) => _matrices[layer * 2 + (value ? 1 : 0)].Pointer;

    private int Grown(int tokens) => Math.Max(16, tokens + tokens / 4);

    /// <summary>New buffers of <paramref name="capacity"/> tokens, counted before they are made.
    /// The old ones are kept while their data is copied (both counted) when the budget has room for
    /// both; otherwise the copy is dropped first and re-read from the blocks. When even that does
    /// not fit, <c>makeRoom</c> frees memory (evicting tokens, which also shrinks what this copy
    /// must hold) and false tells the caller to size the copy again.</summary>
    /// <param name="mayDrop">The caller reads the blocks back after this (a sync): the copy may be
    /// given up to make room.</param>
    private bool Resize(int capacity, bool mayDrop)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var bytes = (long)capacity * _layout.FullBytesPerToken;
        if (!_budget.TryReserve(bytes))
        {
            if (mayDrop || Length == 0)
            {
                Drop(); // it is read again from its blocks
            }
            if (!_budget.TryReserve(bytes))
            {
                if (_makeRoom?.Invoke(bytes) == true)
                {
                    return false;
                }
                throw new CacheBudgetException(
                    $"budget '{_budget.Name}' ({_budget.Limit:N0} bytes, {_budget.Held:N0} held) has no room for the decoder's float32 past of {capacity:N0} tokens ({bytes:N0} bytes). " +
                    "Raise stages.videollm.camera_budget_mb or shorten visual_window_seconds.");
            }
        }
        var size = _layout.KvHeads * capacity * _layout.HeadDim;
        var keep = Math.Min(Length, capacity);
        var (heads, dim) = (_layout.KvHeads, _layout.HeadDim);
        var next = new NativeFloats[_matrices.Length];
        try
        {
            for (var m = 0; m < next.Length; m++)
            {
                next[m] = new NativeFloats(size);
            }
        }
        catch
        {
            // Nothing changed: the new buffers made so far go, the reservation too.
            foreach (var made in next.OfType<NativeFloats>())
            {
                made.Dispose();
            }
            _budget.Release(bytes);
            throw;
        }
        for (var m = 0; m < _matrices.Length; m++)
        {
            for (var head = 0; head < heads; head++)
            {
                _matrices[m].Span.Slice(head * Length * dim, keep * dim).CopyTo(next[m].Span[(head * keep * dim)..]);
            }
            _matrices[m].Dispose();
        }
        _budget.Release(Bytes);
        _matrices = next;
        _capacity = capacity;
        Length = keep;
        return true;
    }

    /// <summary>Gives the buffers back; the copy is re-read from the blocks at the next sync.</summary>
    private void Drop()
    {
        _budget.Release(Bytes);
        foreach (var matrix in _matrices)
        {
            matrix.Dispose();
        }
        _matrices = Enumerable.Range(0, _layout.Layers * 2).Select(_ => NativeFloats.Empty).ToArray();
        _capacity = 0;
        _source.Clear();
        Length = 0;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _budget.Release(Bytes);
        foreach (var matrix in _matrices)
        {
            matrix.Dispose();
        }
        _matrices = [];
        _capacity = 0;
        _source.Clear();
        Length = 0;
    }
}
