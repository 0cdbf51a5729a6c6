using Microsoft.ML.OnnxRuntime;
using StreamVision.Pipelines.Models;
using StreamVision.Cache;
using StreamVision.Cache.Kv;

namespace StreamVision.Pipelines.VideoLlm;

/// <summary>
/// A decoder-only LLM split the way SmolVLM publishes it — <c>decoder_model_merged</c> taking
/// <c>inputs_embeds</c>, <c>attention_mask</c>, <c>position_ids</c> and <c>past_key_values.{i}.key/value</c>,
/// returning <c>logits</c> and <c>present.{i}.key/value</c> — run with a KV cache that is ours: the
/// past comes from <see cref="KvBlock"/>s (which the multimodal cache may have quantised, evicted or
/// offloaded) and each step's new keys and values come back as a new block.
/// </summary>
public sealed class DecoderSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _attentionOutputs;

    /// <param name="attentions">The name of each layer's attention-weights output with
    /// <c>{layer}</c> for the layer index (manifest <c>decoder.attentions</c>), or null when the
    /// decoder exports none (the key-norm proxy scores importance then).</param>
    public DecoderSession(string modelPath, KvLayout layout, int hidden, int vocab, string? attentions = null, string modelId = "", long? maxPosition = null, double? ropeTheta = null)
    {
        MaxPosition = maxPosition;
        RopeTheta = ropeTheta;
        Layout = layout;
        Hidden = hidden;
        Vocab = vocab;
        using var options = SessionDefaults.Create();
        // A run's outputs (the present keys and values of the whole past) grow with the memory; the
        // arena keeps the largest it has seen, grown by what was asked rather than doubled.
        options.AddSessionConfigEntry("arena_extend_strategy", "kSameAsRequested");
        _session = new InferenceSession(modelPath, options);
        _attentionOutputs = attentions is null ? [] : Enumerable.Range(0, layout.Layers).Select(l => attentions.Replace("{layer}", l.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)).ToArray();
        if (_attentionOutputs.FirstOrDefault(name => !_session.OutputNames.Contains(name)) is { } missing)
        {
            _session.Dispose();
            throw new ModelContractException($"model '{modelId}': the manifest names attention output '{missing}' (decoder.attentions), but the decoder's outputs are {string.Join(", ", _session.OutputNames)}. Fix decoder.attentions or remove it (importance then comes from key norms).");
        }
    }

    private long _largestRunOutputBytes;

    /// <summary>The largest run's outputs so far (the present keys and values of past and new tokens,
    /// float32, and the logits kept): what ONNX Runtime's arena must hold for this session, shared by
    /// all cameras — a fixed cost outside their budgets, reported beside the weights.</summary>
    public long LargestRunOutputBytes => Interlocked.Read(ref _largestRunOutputBytes);

    /// <summary>The model's window (null: unknown); a run at or beyond it is refused.</summary>
    public long? MaxPosition { get; }

    public double? RopeTheta { get; }

    /// <summary>Rotates cached keys to new positions (RoPE models; null when the model has none).</summary>
    public KvBlock.RotateKeys? RotateKeys => RopeTheta is { } theta
        ? (keys, from, to) => Rope.Rotate(keys, from, to, Layout.HeadDim, theta)
        : null;

    /// <summary>The decoder exports attention weights: importance is the attention each cached
    /// token receives; otherwise the key-norm proxy.</summary>
    public bool ExportsAttention => _attentionOutputs.Length > 0;

    public KvLayout Layout { get; }
    public int Hidden { get; }
    public int Vocab { get; }

    /// <summary>The result of one run: logits (of every new position, or of the last one only), the
    /// new tokens' KV (their <see cref="KvBlock.Scores"/> set: attention received in this run, or the
    /// key-norm proxy) and, when the decoder exports attention, what each past token received.</summary>
    public sealed record Step(float[] Logits, int Count, KvBlock Kv, float[]? PastAttention = null)
    {
        /// <summary>Logits of the last new position.</summary>
        public ReadOnlySpan<float> Last(int vocab) => Logits.AsSpan(Logits.Length - vocab, vocab);
    }

    /// <summary>A run over the past given as blocks (read in full for this run): the reference path
    /// the tests compare with; every new position's logits.</summary>
    public Step Run(ReadOnlySpan<float> embeds, int count, IReadOnlyList<KvBlock> past, TokenKind kind, long firstPosition)
    {
        using var dense = new DecoderPast(Layout, new ByteBudget("decoder-reference", long.MaxValue));
        dense.Sync(past);
        return Run(embeds, count, dense, kind, firstPosition, allLogits: true);
    }

    /// <param name="embeds">[count, hidden] input embeddings (text or visual tokens).</param>
    /// <param name="past">Earlier tokens, attended to; the caller appends the returned block if they stay.</param>
    /// <param name="kind">What the new tokens are (their KV block's kind).</param>
    /// <param name="allLogits">Keep every new position's logits; otherwise only the last position's
    /// (all a generator needs, and nothing when ingesting: a 64-token frame's logits over a 49 k
    /// vocabulary are 12 MB).</param>
    public Step Run(ReadOnlySpan<float> embeds, int count, DecoderPast past, TokenKind kind, long firstPosition, bool allLogits = false)
    {
        if (firstPosition + count > MaxPosition)
        {
            throw new InvalidOperationException($"positions {firstPosition}..{firstPosition + count - 1} reach the decoder's maximum position {MaxPosition}; the cache must be re-based first.");
        }
        var pastLength = past.Length;
        var total = pastLength + count;
        var outputBytes = total * Layout.FullBytesPerToken + (long)count * Vocab * sizeof(float);
        for (var seen = LargestRunOutputBytes; outputBytes > seen && Interlocked.CompareExchange(ref _largestRunOutputBytes, outputBytes, seen) != seen; seen = LargestRunOutputBytes)
        {
        }
        var (heads, dim) = (Layout.KvHeads, Layout.HeadDim);
        var inputs = new Dictionary<string, OrtValue>();
        try
        {
            inputs["inputs_embeds"] = OrtValue.CreateTensorValueFromMemory(embeds.ToArray(), [1, count, Hidden]);
            inputs["attention_mask"] = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, total).ToArray(), [1, total]);
            inputs["position_ids"] = OrtValue.CreateTensorValueFromMemory(Enumerable.Range(0, count).Select(i => firstPosition + i).ToArray(), [1, count]);
            for (var layer = 0; layer < Layout.Layers; layer++)
            {
                foreach (var value in new[] { false, true })
                {
                    inputs[$"past_key_values.{layer}.{(value ? "value" : "key")}"] =
                        OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float, [1, heads, pastLength, dim],
                            past.Pointer(layer, value), (long)heads * pastLength * dim * sizeof(float));
                }
            }
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, inputs.Keys.ToArray(), inputs.Values.ToArray(), _session.OutputNames.ToArray());
            var names = _session.OutputNames.ToList();
            var all = outputs[names.IndexOf("logits")].GetTensorDataAsSpan<float>();
            var logits = (allLogits ? all : all[^Vocab..]).ToArray();
            var matrices = new float[Layout.VectorsPerToken][];
            for (var layer = 0; layer < Layout.Layers; layer++)
            {
                foreach (var value in new[] { false, true })
                {
                    var present = outputs[names.IndexOf($"present.{layer}.{(value ? "value" : "key")}")].GetTensorDataAsSpan<float>();
                    for (var head = 0; head < heads; head++)
                    {
                        // The new tokens are the last `count` rows of this head.
                        matrices[KvBlock.MatrixIndex(Layout, layer, head, value)] = present.Slice((head * total + pastLength) * dim, count * dim).ToArray();
                    }
                }
            }
            var positions = Enumerable.Range(0, count).Select(i => firstPosition + i).ToList();
            var block = new KvBlock(Layout, kind, positions, matrices);
            float[]? pastAttention = null;
            if (ExportsAttention)
            {
                // Σ over layers, heads and this run's queries of the weight each key received.
                var received = new float[total];
                foreach (var name in _attentionOutputs)
                {
                    var weights = outputs[names.IndexOf(name)].GetTensorDataAsSpan<float>(); // [1, heads, count, total]
                    for (var row = 0; row + total <= weights.Length; row += total)
                    {
                        var r = weights.Slice(row, total);
                        for (var k = 0; k < total; k++)
                        {
                            received[k] += r[k];
                        }
                    }
                }
                pastAttention = received[..pastLength];
                received.AsSpan(pastLength).CopyTo(block.Scores);
            }
            else
            {
                ImportanceScores.KeyNormProxy(block, Layout);
            }
            return new Step(logits, count, block, pastAttention);
        }
        finally
        {
            foreach (var value in inputs.Values)
            {
                value.Dispose();
            }
        }
    }

    public void Dispose() => _session.Dispose();
}
