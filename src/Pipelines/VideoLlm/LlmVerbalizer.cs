using StreamVision.Cache;
using StreamVision.Cache.Kv;
using StreamVision.Cache.Multimodal;

namespace StreamVision.Pipelines.VideoLlm;

/// <summary>
/// ProVideLLM's verbalization by the LLM itself: the expiring frames' visual tokens (their KV,
/// after the system prompt) are what the model attends to while it writes one short description,
/// which replaces them in long-term memory. The past it reads is its own, counted in
/// <paramref name="budget"/> (the camera's verbalizer account); when that has no room the
/// structured verbalizer describes the frames instead. Merging for compaction joins the texts.
/// </summary>
public sealed class LlmVerbalizer(VideoLlmModel model, Func<KvBlock?> system, Func<long> nextPosition, int maxTokens, ByteBudget budget) : IVerbalizer
{
    public const string Prompt = "Describe these moments in one short sentence.";
    private readonly StructuredVerbalizer _structured = new();

    /// <summary>Chunks described from perception facts because the budget had no room for the LLM's past.</summary>
    public long FellBack { get; private set; }

    public SegmentFacts Describe(IReadOnlyList<VisualFrame> frames)
    {
        var context = new List<KvBlock>();
        if (system() is { } prompt)
        {
            context.Add(prompt);
        }
        context.AddRange(frames.Select(f => f.Kv).OfType<KvBlock>().Where(b => b.Tokens > 0));
        var ids = model.Tokenizer.Encode(model.Prompt("", Prompt));
        try
        {
            using var past = new DecoderPast(model.Layout, budget);
            past.Sync(context);
            var generation = Generator.Generate(model.Decoder, model.Embedder, model.Embedder.Embed(ids), ids.Length, past, nextPosition(),
                new GenerationOptions(maxTokens, new HashSet<long> { model.EndToken }));
            var text = model.Tokenizer.Decode(generation.Tokens).ReplaceLineEndings(" ").Trim();
            return SegmentFacts.FromText(text.Length > 0 ? text : "(nothing said)");
        }
        catch (CacheBudgetException)
        {
            FellBack++;
            return _structured.Describe(frames);
        }
    }

    public SegmentFacts Merge(SegmentFacts older, SegmentFacts newer) => _structured.Merge(older, newer);
}
