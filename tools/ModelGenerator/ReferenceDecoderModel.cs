using Onnx;
using StreamVision.Pipelines.VideoLlm;
using static StreamVision.ModelGenerator.OnnxGraphBuilder;

namespace StreamVision.ModelGenerator;

/// <summary>
/// A tiny but real decoder-only transformer with the tensor contract of SmolVLM's
/// <c>decoder_model_merged.onnx</c>: inputs <c>inputs_embeds</c> [batch, sequence, hidden],
/// <c>attention_mask</c> int64 [batch, past + sequence], <c>position_ids</c> int64 [batch, sequence]
/// and <c>past_key_values.{i}.key/value</c> [batch, heads, past, head_dim]; outputs <c>logits</c>
/// [batch, sequence, vocab] and <c>present.{i}.key/value</c> [batch, heads, past + sequence, head_dim].
/// Per layer: RMS norm, multi-head attention over past and new keys with a causal mask, residual,
/// RMS norm, ReLU MLP, residual; rotary position embeddings on queries and keys (RoPE, θ =
/// <see cref="RopeTheta"/>, the Llama "rotate half" layout over the whole head) — so attention
/// depends on relative positions only, and cached keys can be re-based by rotating them; a final
/// norm and the LM head. Positions are valid below <see cref="MaxPositions"/> (the manifest's
/// <c>max_position</c>; the decoder session refuses any at or beyond it). Weights
/// are fixed pseudo-random numbers from a seed, so the file is reproducible and the logits are
/// those of a real computation (tests compare cached decoding with recomputation).
/// </summary>
public static class ReferenceDecoderModel
{
    public const string Id = "reference_llm_decoder";
    public const string FileName = "reference_llm_decoder.onnx";
    /// <summary>The reference tokenizer's vocabulary size (<see cref="ReferenceTokenizer"/>).</summary>
    public static readonly int Vocab = ReferenceTokenizer.Size;
    public const int Hidden = 32;
    public const int Heads = 2;
    public const int HeadDim = Hidden / Heads;
    public const int Layers = 2;
    public const int Mlp = 64;
    /// <summary>The model's window: positions at or beyond it are refused, never wrapped.</summary>
    public const int MaxPositions = 8192;

    public const double RopeTheta = 10000;

    /// <param name="exportAttentions">Also output each layer's attention weights as
    /// <c>attentions.{layer}</c> [batch, heads, sequence, total] (the manifest role
    /// <c>decoder.attentions</c>); the committed model does not.</param>
    public static byte[] Build(bool exportAttentions = false)
    {
        var random = new Random(20261127);
        float[] Weights(int count, float scale) => Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray();
        var graph = new GraphProto { Name = Id };
        const TensorProto.Types.DataType f = TensorProto.Types.DataType.Float, i64 = TensorProto.Types.DataType.Int64;
        graph.Input.Add(Tensor("inputs_embeds", f, "batch", "sequence", Hidden));
        graph.Input.Add(Tensor("attention_mask", i64, "batch", "total"));
        graph.Input.Add(Tensor("position_ids", i64, "batch", "sequence"));
        graph.Output.Add(Tensor("logits", f, "batch", "sequence", Vocab));
        for (var l = 0; l < Layers; l++)
        {
            graph.Input.Add(Tensor($"past_key_values.{l}.key", f, "batch", Heads, "past", HeadDim));
            graph.Input.Add(Tensor($"past_key_values.{l}.value", f, "batch", Heads, "past", HeadDim));
            graph.Output.Add(Tensor($"present.{l}.key", f, "batch", Heads, "total", HeadDim));
            graph.Output.Add(Tensor($"present.{l}.value", f, "batch", Heads, "total", HeadDim));
            if (exportAttentions)
            {
                graph.Output.Add(Tensor($"attentions.{l}", f, "batch", Heads, "sequence", "total"));
            }
        }
        void Init(string name, long[] shape, float[] values) => graph.Initializer.Add(Initializer(name, shape, values));
        void N(string op, string[] inputs, string output, params AttributeProto[] attributes) => graph.Node.Add(Node(op, inputs, [output], attributes));

        graph.Initializer.Add(ScalarFloat("eps", 1e-5f));
        graph.Initializer.Add(ScalarFloat("one", 1f));
        graph.Initializer.Add(ScalarFloat("big", 1e9f));
        graph.Initializer.Add(ScalarFloat("negative_big", -1e9f));
        graph.Initializer.Add(ScalarFloat("zero", 0f));
        graph.Initializer.Add(ScalarFloat("attention_scale", 1f / MathF.Sqrt(HeadDim)));
        graph.Initializer.Add(ScalarInt64("index_one", 1));
        graph.Initializer.Add(ScalarInt64("start", 0));
        graph.Initializer.Add(ScalarInt64("step", 1));
        graph.Initializer.Add(Int64Initializer("axes_0", 0));
        graph.Initializer.Add(Int64Initializer("axes_1", 1));
        graph.Initializer.Add(Int64Initializer("axes_12", 1, 2));
        graph.Initializer.Add(Int64Initializer("split_heads", 0, 0, Heads, HeadDim));
        graph.Initializer.Add(Int64Initializer("merge_heads", 0, 0, Hidden));

        // Rotary positions: angle = position × θ^(−2i/head_dim), the same angles for both halves.
        const int half = HeadDim / 2;
        Init("inverse_frequency", [half], Enumerable.Range(0, half).Select(i => Rope.InverseFrequency(i, HeadDim, RopeTheta)).ToArray());
        N("Cast", ["position_ids"], "positions_float", Int("to", (int)f));
        graph.Initializer.Add(Int64Initializer("axes_last", -1));
        N("Unsqueeze", ["positions_float", "axes_last"], "positions_column");        // [batch, sequence, 1]
        N("Mul", ["positions_column", "inverse_frequency"], "angles_half");           // [batch, sequence, half]
        graph.Node.Add(Node("Concat", ["angles_half", "angles_half"], ["angles"], Int("axis", -1)));
        N("Cos", ["angles"], "cos_flat");
        N("Sin", ["angles"], "sin_flat");
        N("Unsqueeze", ["cos_flat", "axes_1"], "rope_cos");                           // [batch, 1, sequence, head_dim]
        N("Unsqueeze", ["sin_flat", "axes_1"], "rope_sin");
        graph.Initializer.Add(Int64Initializer("half_start", 0));
        graph.Initializer.Add(Int64Initializer("half_mid", half));
        graph.Initializer.Add(Int64Initializer("half_end", HeadDim));
        void Rotate(string input, string output)
        {
            N("Slice", [input, "half_start", "half_mid", "axes_last"], $"{output}_first");
            N("Slice", [input, "half_mid", "half_end", "axes_last"], $"{output}_second");
            N("Neg", [$"{output}_second"], $"{output}_second_negated");
            graph.Node.Add(Node("Concat", [$"{output}_second_negated", $"{output}_first"], [$"{output}_rotated_half"], Int("axis", -1)));
            N("Mul", [input, "rope_cos"], $"{output}_cos");
            N("Mul", [$"{output}_rotated_half", "rope_sin"], $"{output}_sin");
            N("Add", [$"{output}_cos", $"{output}_sin"], output);
        }
        N("Identity", ["inputs_embeds"], "h0");

        // Masks.
        N("Cast", ["attention_mask"], "mask_float", Int("to", (int)f));
        N("Sub", ["mask_float", "one"], "mask_off");                  // 0 where attended, -1 where masked
        N("Mul", ["mask_off", "big"], "mask_bias_2d");
        N("Unsqueeze", ["mask_bias_2d", "axes_12"], "mask_bias");      // [batch, 1, 1, total]
        N("Shape", ["inputs_embeds"], "embeds_shape");
        N("Gather", ["embeds_shape", "index_one"], "sequence_length");
        N("Shape", ["attention_mask"], "mask_shape");
        N("Gather", ["mask_shape", "index_one"], "total_length");
        N("Sub", ["total_length", "sequence_length"], "past_length");
        N("Range", ["past_length", "total_length", "step"], "query_positions");
        N("Range", ["start", "total_length", "step"], "key_positions");
        N("Unsqueeze", ["query_positions", "axes_1"], "query_column");
        N("Unsqueeze", ["key_positions", "axes_0"], "key_row");
        N("Greater", ["key_row", "query_column"], "future");           // a key after the query
        N("Where", ["future", "negative_big", "zero"], "causal_bias");
        N("Add", ["mask_bias", "causal_bias"], "attention_bias");      // [batch, 1, sequence, total]

        void RmsNorm(string input, string output, string gain)
        {
            Init(gain, [Hidden], Enumerable.Repeat(1f, Hidden).Select(v => v + (float)((random.NextDouble() - 0.5) * 0.2)).ToArray());
            N("Mul", [input, input], $"{output}_squared");
            N("ReduceMean", [$"{output}_squared"], $"{output}_mean", Ints("axes", -1), Int("keepdims", 1));
            N("Add", [$"{output}_mean", "eps"], $"{output}_mean_eps");
            N("Sqrt", [$"{output}_mean_eps"], $"{output}_rms");
            N("Div", [input, $"{output}_rms"], $"{output}_normed");
            N("Mul", [$"{output}_normed", gain], output);
        }

        var h = "h0";
        for (var l = 0; l < Layers; l++)
        {
            var p = $"l{l}";
            RmsNorm(h, $"{p}_x", $"{p}_attention_norm");
            foreach (var name in new[] { "q", "k", "v" })
            {
                Init($"{p}_w{name}", [Hidden, Hidden], Weights(Hidden * Hidden, 0.3f));
                N("MatMul", [$"{p}_x", $"{p}_w{name}"], $"{p}_{name}_flat");
                N("Reshape", [$"{p}_{name}_flat", "split_heads"], $"{p}_{name}_split");
                N("Transpose", [$"{p}_{name}_split"], name == "v" ? $"{p}_v_new" : $"{p}_{name}_unrotated", Ints("perm", 0, 2, 1, 3));
            }
            Rotate($"{p}_q_unrotated", $"{p}_q");
            Rotate($"{p}_k_unrotated", $"{p}_k_new");
            N("Concat", [$"past_key_values.{l}.key", $"{p}_k_new"], $"present.{l}.key", Int("axis", 2));
            N("Concat", [$"past_key_values.{l}.value", $"{p}_v_new"], $"present.{l}.value", Int("axis", 2));
            N("Transpose", [$"present.{l}.key"], $"{p}_k_t", Ints("perm", 0, 1, 3, 2));
            N("MatMul", [$"{p}_q", $"{p}_k_t"], $"{p}_scores_raw");
            N("Mul", [$"{p}_scores_raw", "attention_scale"], $"{p}_scores_scaled");
            N("Add", [$"{p}_scores_scaled", "attention_bias"], $"{p}_scores");
            N("Softmax", [$"{p}_scores"], $"{p}_probs", Int("axis", -1));
            if (exportAttentions)
            {
                N("Identity", [$"{p}_probs"], $"attentions.{l}");
            }
            N("MatMul", [$"{p}_probs", $"present.{l}.value"], $"{p}_context");
            N("Transpose", [$"{p}_context"], $"{p}_context_t", Ints("perm", 0, 2, 1, 3));
            N("Reshape", [$"{p}_context_t", "merge_heads"], $"{p}_context_flat");
            Init($"{p}_wo", [Hidden, Hidden], Weights(Hidden * Hidden, 0.3f));
            N("MatMul", [$"{p}_context_flat", $"{p}_wo"], $"{p}_attention_out");
            N("Add", [h, $"{p}_attention_out"], $"{p}_h_mid");
            RmsNorm($"{p}_h_mid", $"{p}_y", $"{p}_mlp_norm");
            Init($"{p}_w1", [Hidden, Mlp], Weights(Hidden * Mlp, 0.3f));
            Init($"{p}_w2", [Mlp, Hidden], Weights(Mlp * Hidden, 0.3f));
            N("MatMul", [$"{p}_y", $"{p}_w1"], $"{p}_up");
            N("Relu", [$"{p}_up"], $"{p}_act");
            N("MatMul", [$"{p}_act", $"{p}_w2"], $"{p}_down");
            N("Add", [$"{p}_h_mid", $"{p}_down"], $"{p}_h_out");
            h = $"{p}_h_out";
        }
        RmsNorm(h, "final", "final_norm");
        Init("lm_head", [Hidden, Vocab], Weights(Hidden * Vocab, 0.5f));
        N("MatMul", ["final", "lm_head"], "logits");
        return Serialize(graph, "streamvision-reference-models");
    }
}
