using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.VideoLlm;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Unit;

/// <summary>Text tokens a model wants around each frame's visual tokens (SmolVLM's image-structure
/// tokens) are embedded and kept with the frame.</summary>
public sealed class VideoLlmFrameTokensTests : IDisposable
{
    private readonly TempDir _dir = new();

    private VideoLlmModel Load(string prefix, string suffix)
    {
        var source = Path.Combine(SharedData.ProjectModels, "reference_videollm.yaml");
        if (prefix.Length + suffix.Length == 0)
        {
            return new VideoLlmModel(ManifestLoader.Load(source), [SharedData.ProjectModels]);
        }
        var yaml = File.ReadAllText(source).Replace("  tokens_per_frame: 4", $"  tokens_per_frame: 4\n  frame_prefix: \"{prefix}\"\n  frame_suffix: \"{suffix}\"");
        var copy = _dir.File($"framed-{prefix.Length}-{suffix.Length}.yaml", yaml);
        return new VideoLlmModel(ManifestLoader.Load(copy), [SharedData.ProjectModels]);
    }

    /// <summary>SmolVLM's picture is fitted, not stretched: a 16:9 frame fills the top 288 rows of
    /// the 512×512 input, the rest is padding with the normalised value 0, and the pixel mask says so.</summary>
    [Fact]
    public void A_wide_frame_is_letterboxed_and_the_pixel_mask_marks_the_padding_false()
    {
        var smolvlm = ManifestLoader.Load(Path.Combine(SharedData.ProjectModels, "smolvlm_256m_instruct.yaml")).Videollm!.VisionEncoder;
        using var preprocessor = new StreamVision.Pipelines.Preprocessing.TensorPreprocessor(smolvlm.Input);
        var tensor = new float[preprocessor.TensorLength];
        var bgr = Enumerable.Repeat((byte)255, 1280 * 720 * 3).ToArray();
        preprocessor.Run(bgr, 1280, 720, 1280 * 3, tensor);
        Assert.Equal((512, 288), preprocessor.Content);
        Assert.Equal(1f, tensor[0], 3);                      // white picture: (1 − 0.5) / 0.5
        Assert.Equal(0f, tensor[300 * 512 + 10], 3);         // padding below it: 0 after normalising

        var mask = new bool[512 * 512];
        VideoLlmModel.FillPixelMask(mask, 512, 512, 512, 288);
        Assert.Equal(512 * 288, mask.Count(m => m));
        Assert.True(mask[287 * 512 + 511]);
        Assert.False(mask[288 * 512]);
    }

    [Fact]
    public void Frame_prefix_and_suffix_embeddings_surround_the_visual_tokens()
    {
        using var plain = Load("", "");
        using var framed = Load("<image>", "<|im_end|>");
        using var pool = new FramePool(64, 48, PixelFormat.Bgr24, capacity: 1);
        var frame = pool.Rent(CancellationToken.None);
        var random = new Random(3);
        random.NextBytes(frame.Mat.AsSpan<byte>());

        var hidden = plain.Hidden;
        Assert.Equal(4, plain.TokensPerFrame);
        Assert.Equal(6, framed.TokensPerFrame);
        Assert.Equal(4, framed.VisualTokensPerFrame);
        var visual = plain.EncodeFrame(frame, plain.CreatePreprocessor(), new float[plain.PixelCount]);
        var tokens = framed.EncodeFrame(frame, framed.CreatePreprocessor(), new float[framed.PixelCount]);
        frame.Release();

        Assert.Equal(6 * hidden, tokens.Length);
        Assert.Equal(framed.Embedder.Embed([framed.Tokenizer.Special["<image>"]]), tokens[..hidden]);
        Assert.Equal(visual, tokens[hidden..(5 * hidden)]);
        Assert.Equal(framed.Embedder.Embed([framed.Tokenizer.Special["<|im_end|>"]]), tokens[(5 * hidden)..]);
    }

    public void Dispose() => _dir.Dispose();
}
