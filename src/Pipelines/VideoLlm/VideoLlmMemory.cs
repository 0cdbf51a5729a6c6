using StreamVision.Cache;
using StreamVision.Cache.Kv;

namespace StreamVision.Pipelines.VideoLlm;

/// <summary>
/// One camera's VideoLLM memory as accounts under its one budget: what the multimodal cache keeps
/// (KV blocks at their precision, text, visual tokens), the decoder's float32 past, the questions'
/// copies of it while they are answered, and the LLM verbalizer's working past. Each reserves
/// before it holds and releases what it gives back, so <see cref="Camera"/> is everything held for
/// the camera; offloaded KV is counted in its tier's own budget. Model weights and ONNX Runtime's
/// buffers are shared by all cameras and reported apart, as a fixed cost.
/// </summary>
public sealed class VideoLlmMemory
{
    public VideoLlmMemory(string camera, long budgetBytes, ByteBudget overall, IKvTier? host = null, IKvTier? disk = null)
    {
        _host = host;
        _disk = disk;
        Camera = new ByteBudget($"videollm/{camera}", budgetBytes, overall);
        Cache = new ByteBudget($"videollm/{camera}/cache", budgetBytes, Camera);
        Past = new ByteBudget($"videollm/{camera}/past", budgetBytes, Camera);
        Answers = new ByteBudget($"videollm/{camera}/answers", budgetBytes, Camera);
        Verbalizer = new ByteBudget($"videollm/{camera}/verbalizer", budgetBytes, Camera);
    }

    /// <summary>Everything held for the camera (the sum of the accounts below).</summary>
    public ByteBudget Camera { get; }

    public ByteBudget Cache { get; }
    public ByteBudget Past { get; }
    public ByteBudget Answers { get; }
    public ByteBudget Verbalizer { get; }

    private readonly IKvTier? _host;
    private readonly IKvTier? _disk;

    /// <summary>Bytes offloaded per tier (counted in the tiers' budgets, not the camera's).</summary>
    public IEnumerable<(string Tier, long Bytes)> Offloaded => [("host", _host?.Bytes ?? 0), ("disk", _disk?.Bytes ?? 0)];

    /// <summary>Bytes per account, by the names stats and metrics use.</summary>
    public IEnumerable<(string Account, long Bytes)> Accounts =>
    [
        ("cache", Cache.Held), ("past", Past.Held), ("answers", Answers.Held), ("verbalizer", Verbalizer.Held),
    ];
}
