using YamlDotNet.Serialization;

namespace StreamVision.Pipelines.Models;

/// <summary>Order of a rotation quaternion's four values in the model's tensor.</summary>
public enum QuaternionOrder
{
    Wxyz,
    Xyzw,
}

/// <summary>
/// Camera motion inputs (Co-SemDepth / M4Depth): rotation as a unit quaternion, translation in
/// metres, a new-trajectory flag (1 on the first frame of a sequence) and intrinsics fx, fy, cx, cy in
/// pixels of the model input. Every entry is optional: a model takes those it declares.
/// </summary>
public sealed class PoseInputsSpec
{
    public TensorRef? Rotation { get; set; }
    public QuaternionOrder QuaternionOrder { get; set; } = QuaternionOrder.Wxyz;
    public TensorRef? Translation { get; set; }
    public TensorRef? NewTrajectory { get; set; }
    public TensorRef? Intrinsics { get; set; }

    /// <summary>True: the model wants the motion since the previous frame (M4Depth); false: the
    /// absolute pose as published.</summary>
    public bool Relative { get; set; } = true;

    /// <summary>The declared inputs by role: rotation, translation, new_trajectory, intrinsics.</summary>
    public IEnumerable<(string Role, TensorRef Tensor)> Declared()
        => new (string, TensorRef?)[] { ("rotation", Rotation), ("translation", Translation), ("new_trajectory", NewTrajectory), ("intrinsics", Intrinsics) }
            .Where(p => p.Item2 is not null)
            .Select(p => (p.Item1, p.Item2!));
}

/// <summary>
/// A VideoLLM split the way SmolVLM publishes it: a vision encoder (image → features), an optional
/// projector / query former (features → visual tokens), the token embedder, and the decoder with
/// past key/values (the manifest's <c>file</c>), plus the tokenizer's own files.
/// </summary>
public sealed class VideoLlmSpec
{
    public ImageModelSpec VisionEncoder { get; set; } = new();
    public FeatureModelSpec? Projector { get; set; }
    public string EmbedTokens { get; set; } = "";
    public DecoderSpec Decoder { get; set; } = new();
    public TokenizerSpec Tokenizer { get; set; } = new();

    /// <summary>Visual tokens per frame (the projector's output length).</summary>
    public int TokensPerFrame { get; set; }

    /// <summary>Text tokens the model expects before each frame's visual tokens (SmolVLM:
    /// "&lt;fake_token_around_image&gt;&lt;global-img&gt;"); they belong to the frame and expire with it.</summary>
    public string FramePrefix { get; set; } = "";

    /// <summary>Text tokens after each frame's visual tokens (SmolVLM: "&lt;fake_token_around_image&gt;").</summary>
    public string FrameSuffix { get; set; } = "";

    /// <summary>Text before everything else in each prompt.</summary>
    public string SystemPrompt { get; set; } = "";

    /// <summary>What the model is asked when it narrates.</summary>
    public string NarrationPrompt { get; set; } = "What is happening now?";

    /// <summary>How a request is laid out for the model: {context} is the long-term memory, {question}
    /// the question (SmolVLM: "&lt;|im_start|&gt;User:{context}\n{question}&lt;end_of_utterance&gt;\nAssistant:").</summary>
    public string PromptTemplate { get; set; } = "{context}\n{question}\n";
}

public sealed class ImageModelSpec
{
    public string File { get; set; } = "";

    /// <summary>The image tensor as pre-processed (4-D: batch, channels and size in its layout).</summary>
    public InputTensorSpec Input { get; set; } = new();

    /// <summary>The shape the graph takes when it has more axes than the image (SmolVLM: [1, 1, 3, 512, 512], batch × images).</summary>
    public List<long>? TensorShape { get; set; }

    /// <summary>A boolean mask input marking real pixels (SmolVLM's <c>pixel_attention_mask</c>), fed all true.</summary>
    public TensorRef? PixelMask { get; set; }

    public string Output { get; set; } = "";
    public List<long> OutputShape { get; set; } = new();
}

public sealed class FeatureModelSpec
{
    public string File { get; set; } = "";
    public string Input { get; set; } = "";
    public string Output { get; set; } = "";
}

public sealed class DecoderSpec
{
    public int Layers { get; set; }
    public int KvHeads { get; set; }
    public int HeadDim { get; set; }
    public int Hidden { get; set; }
    public int Vocab { get; set; }

    /// <summary>The model's window: positions at or beyond it are never given to the decoder (the
    /// cache is re-based first). Null: no limit known (positions only grow).</summary>
    public long? MaxPosition { get; set; }

    /// <summary>RoPE's θ (rotary embeddings over the whole head, Llama's rotate-half layout); needed
    /// with <see cref="MaxPosition"/>, as re-basing rotates the cached keys.</summary>
    public double? RopeTheta { get; set; }

    /// <summary>Each layer's attention-weights output, <c>{layer}</c> for the index (e.g.
    /// <c>attentions.{layer}</c>, [batch, heads, sequence, past + sequence]); when given, eviction
    /// ranks tokens by the attention they receive, otherwise by the key-norm proxy.</summary>
    public string? Attentions { get; set; }
}

public sealed class TokenizerSpec
{
    public string Vocab { get; set; } = "";
    public string Merges { get; set; } = "";
    public List<string> SpecialTokens { get; set; } = new();

    /// <summary>Ends a turn: generation stops on it.</summary>
    public string EndToken { get; set; } = "";

    /// <summary>Tokens added after training with their ids (HF <c>added_tokens.json</c>), when the vocabulary lacks them.</summary>
    public string? AddedTokens { get; set; }
}

public sealed class StatePairSpec
{
    public string Input { get; set; } = "";
    public string Output { get; set; } = "";
    public List<long> Shape { get; set; } = new();
}
