using System.Buffers;
using StreamVision.Cache.Kv;

namespace StreamVision.Pipelines.VideoLlm;

/// <summary>
/// The decoder's past as the dense tensors it takes ([1, kv_heads, tokens, head_dim] per layer, keys
/// and values), kept between runs. Reading the cache's blocks means dequantising and reloading
/// offloaded heads; doing that for the whole past at every ingested frame and every generated token
/// made the cost of a step grow with the memory. Here only blocks added since the last run are read;
/// the copy is rebuilt when the cache changed underneath (a block quantised, tokens evicted, a frame
/// expired). Buffers are pooled.
/// </summary>
public sealed class DecoderPast(KvLayout layout) : IDisposable
{
    private readonly List<(KvBlock Block, int Version, int Tokens)> _source = [];
    private readonly float[][] _matrices = Enumerable.Range(0, layout.Layers * 2).Select(_ => Array.Empty<float>()).ToArray();

    /// <summary>Past tokens held.</summary>
    public int Length { get; private set; }

    /// <summary>Makes the copy equal <paramref name="blocks"/> (in position order): appends what is
    /// new when the copy's blocks are an unchanged prefix of them, else starts over.</summary>
    public void Sync(IReadOnlyList<KvBlock> blocks)
    {
        var isPrefix = _source.Count <= blocks.Count;
        for (var i = 0; isPrefix && i < _source.Count; i++)
        {
            var (block, version, tokens) = _source[i];
            isPrefix = ReferenceEquals(block, blocks[i]) && block.Version == version && block.Tokens == tokens;
        }
        if (!isPrefix)
        {
            Clear();
        }
        if (blocks.Count > _source.Count)
        {
            Append(blocks.Skip(_source.Count).ToList());
        }
    }

    /// <summary>Adds a block whose tokens now follow the past (a run's new tokens).</summary>
    public void Append(KvBlock block) => Append([block]);

    private void Append(IReadOnlyList<KvBlock> added)
    {
        var extra = added.Sum(b => b.Tokens);
        var (heads, dim) = (layout.KvHeads, layout.HeadDim);
        var length = Length + extra;
        for (var layer = 0; layer < layout.Layers; layer++)
        {
            foreach (var value in new[] { false, true })
            {
                var m = layer * 2 + (value ? 1 : 0);
                var old = _matrices[m];
                var next = ArrayPool<float>.Shared.Rent(Math.Max(1, heads * length * dim));
                for (var head = 0; head < heads; head++)
                {
                    old.AsSpan(head * Length * dim, Length * dim).CopyTo(next.AsSpan(head * length * dim));
                    KvBlock.ReadConcatenated(added, layer, head, value, next.AsSpan(head * length * dim + Length * dim, extra * dim));
                }
                Return(old);
                _matrices[m] = next;
            }
        }
        Length = length;
        _source.AddRange(added.Select(b => (b, b.Version, b.Tokens)));
    }

    /// <summary>One layer's keys or values, [kv_heads, <see cref="Length"/>, head_dim].</summary>
    public Memory<float> Matrix(int layer, bool value) => _matrices[layer * 2 + (value ? 1 : 0)].AsMemory(0, layout.KvHeads * Length * layout.HeadDim);

    private void Clear()
    {
        for (var m = 0; m < _matrices.Length; m++)
        {
            Return(_matrices[m]);
            _matrices[m] = [];
        }
        _source.Clear();
        Length = 0;
    }

    private static void Return(float[] array)
    {
        if (array.Length > 0)
        {
            ArrayPool<float>.Shared.Return(array);
        }
    }

    public void Dispose() => Clear();
}
