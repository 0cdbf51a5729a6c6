using Microsoft.ML.OnnxRuntime;
using StreamVision.Cache.Kv;
using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.Preprocessing;

namespace StreamVision.Pipelines.VideoLlm;

/// <summary>
/// Every part of a VideoLLM manifest, loaded once and shared by all cameras (ONNX Runtime sessions
/// are thread-safe): vision encoder → projector → visual tokens; tokenizer → embedder → decoder.
/// </summary>
public sealed class VideoLlmModel : IDisposable
{
    private readonly InferenceSession _vision;
    private readonly InferenceSession? _projector;
    private readonly VideoLlmSpec _spec;

    public VideoLlmModel(ModelManifest manifest, IEnumerable<string> searchPaths)
    {
        _spec = manifest.Videollm ?? throw new ModelContractException($"model '{manifest.Id}' is a {manifest.Task} model; the videollm stage needs a videollm model.");
        GlibcMalloc.FixMmapThreshold();
        Manifest = manifest;
        var paths = searchPaths.ToList();
        string Resolve(string file) => ManifestLoader.ResolveModelFile(new ModelManifest { Id = manifest.Id, File = file, SourcePath = manifest.SourcePath, Provenance = manifest.Provenance }, paths);
        Layout = new KvLayout(_spec.Decoder.Layers, _spec.Decoder.KvHeads, _spec.Decoder.HeadDim);
        try
        {
            using var options = SessionDefaults.Create();
            _vision = new InferenceSession(Resolve(_spec.VisionEncoder.File), options);
            _projector = _spec.Projector is { } p ? new InferenceSession(Resolve(p.File), options) : null;
            Embedder = new TokenEmbedder(Resolve(_spec.EmbedTokens), _spec.Decoder.Hidden);
            Decoder = new DecoderSession(Resolve(manifest.File), Layout, _spec.Decoder.Hidden, _spec.Decoder.Vocab, _spec.Decoder.Attentions, manifest.Id, _spec.Decoder.MaxPosition, _spec.Decoder.RopeTheta);
            Tokenizer = new LlmTokenizer(Resolve(_spec.Tokenizer.Vocab), Resolve(_spec.Tokenizer.Merges), _spec.Tokenizer.SpecialTokens,
                _spec.Tokenizer.AddedTokens is { } added ? Resolve(added) : null);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelContractException($"model '{manifest.Id}': a part is not a loadable ONNX model ({e.Message.Trim()}). Re-download it and compare its SHA-256 with the manifest.", e);
        }
        EndToken = Tokenizer.Special[_spec.Tokenizer.EndToken];
        WeightBytes = new[] { _spec.VisionEncoder.File, _spec.Projector?.File, _spec.EmbedTokens, manifest.File }
            .OfType<string>().Select(Resolve).Distinct().Sum(f => new FileInfo(f).Length);
        _framePrefix = Tokenizer.Encode(_spec.FramePrefix);
        _frameSuffix = Tokenizer.Encode(_spec.FrameSuffix);
    }

    private readonly long[] _framePrefix;
    private readonly long[] _frameSuffix;

    public ModelManifest Manifest { get; }

    /// <summary>The ONNX files' bytes: the weights every camera shares, a fixed cost outside the
    /// cameras' budgets (ONNX Runtime's arenas come on top).</summary>
    public long WeightBytes { get; }
    public string Id => Manifest.Id;
    public KvLayout Layout { get; }
    public DecoderSession Decoder { get; }
    public TokenEmbedder Embedder { get; }
    public LlmTokenizer Tokenizer { get; }
    public long EndToken { get; }
    /// <summary>Tokens one frame holds in the memory: its visual tokens and the text around them.</summary>
    public int TokensPerFrame => _framePrefix.Length + _spec.TokensPerFrame + _frameSuffix.Length;

    /// <summary>Visual tokens per frame (the projector's output).</summary>
    public int VisualTokensPerFrame => _spec.TokensPerFrame;
    public int Hidden => _spec.Decoder.Hidden;
    public string SystemPrompt => _spec.SystemPrompt;
    public string NarrationPrompt => _spec.NarrationPrompt;

    /// <summary>The request text for <paramref name="question"/> with the long-term memory as context.</summary>
    public string Prompt(string context, string question) => _spec.PromptTemplate.Replace("{context}", context, StringComparison.Ordinal).Replace("{question}", question, StringComparison.Ordinal);

    /// <summary>A camera's pre-processor for the vision encoder (it keeps scratch buffers).</summary>
    public TensorPreprocessor CreatePreprocessor() => new(_spec.VisionEncoder.Input);

    /// <summary>The frame's tokens as the decoder takes them, [<see cref="TokensPerFrame"/>, hidden]:
    /// the frame prefix's embeddings, the visual tokens, the frame suffix's embeddings.</summary>
    /// <param name="mask">The camera's buffer for the pixel mask (<see cref="PixelMaskLength"/>), when the encoder takes one.</param>
    public float[] EncodeFrame(Frame frame, TensorPreprocessor preprocessor, float[] pixels, bool[]? mask = null)
    {
        preprocessor.Run(frame, pixels);
        using var runOptions = new RunOptions();
        var encoder = _spec.VisionEncoder;
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, (encoder.TensorShape ?? encoder.Input.Shape).ToArray());
        if (encoder.PixelMask is { } m)
        {
            mask ??= new bool[PixelMaskLength];
            var (width, height) = preprocessor.Content;
            FillPixelMask(mask, (int)m.Shape[^2], (int)m.Shape[^1], width, height);
        }
        using var maskValue = encoder.PixelMask is { } pm ? OrtValue.CreateTensorValueFromMemory(mask!, pm.Shape.ToArray()) : null;
        using var features = maskValue is null
            ? _vision.Run(runOptions, [encoder.Input.Name], [input], [encoder.Output])
            : _vision.Run(runOptions, [encoder.Input.Name, encoder.PixelMask!.Name], [input, maskValue], [encoder.Output]);
        if (_projector is null)
        {
            return Framed(features[0].GetTensorDataAsSpan<float>());
        }
        using var projected = _projector.Run(runOptions, [_spec.Projector!.Input], [features[0]], [_spec.Projector.Output]);
        return Framed(projected[0].GetTensorDataAsSpan<float>());
    }

    private float[] Framed(ReadOnlySpan<float> visual)
    {
        if (visual.Length != VisualTokensPerFrame * Hidden)
        {
            throw new ModelContractException($"model '{Id}': the vision side gave {visual.Length} values per frame; tokens_per_frame × hidden = {VisualTokensPerFrame * Hidden}. Fix 'videollm.tokens_per_frame' or 'decoder.hidden' in {Manifest.SourcePath}.");
        }
        if (_framePrefix.Length + _frameSuffix.Length == 0)
        {
            return visual.ToArray();
        }
        var tokens = new float[TokensPerFrame * Hidden];
        var at = 0;
        foreach (var part in new[] { _framePrefix.Length > 0 ? Embedder.Embed(_framePrefix) : [], visual.ToArray(), _frameSuffix.Length > 0 ? Embedder.Embed(_frameSuffix) : [] })
        {
            part.CopyTo(tokens, at);
            at += part.Length;
        }
        return tokens;
    }

    /// <summary>Values in the encoder's pixel mask (0 when it takes none).</summary>
    public int PixelMaskLength => _spec.VisionEncoder.PixelMask is { } m ? (int)m.Shape.Aggregate(1L, (a, b) => a * b) : 0;

    /// <summary>The pixel mask as SmolVLM's image processor makes it: true over the picture (placed
    /// at the top-left, aspect kept), false over the padding.</summary>
    public static void FillPixelMask(Span<bool> mask, int maskHeight, int maskWidth, int contentWidth, int contentHeight)
    {
        for (var y = 0; y < maskHeight; y++)
        {
            var row = mask.Slice(y * maskWidth, maskWidth);
            row.Fill(false);
            if (y < contentHeight)
            {
                row[..Math.Min(contentWidth, maskWidth)].Fill(true);
            }
        }
    }

    /// <summary>Size of one frame's pre-processed image.</summary>
    public int PixelCount => (int)_spec.VisionEncoder.Input.Shape.Aggregate(1L, (a, b) => a * b);

    public void Dispose()
    {
        _vision.Dispose();
        _projector?.Dispose();
        Embedder.Dispose();
        Decoder.Dispose();
    }
}
