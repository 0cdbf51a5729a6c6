using StreamVision.Cache.Kv;
using StreamVision.Cache.Multimodal;

namespace StreamVision.Pipelines.VideoLlm;

/// <summary>
/// ProVideLLM's verbalization by the LLM itself: the expiring frames' visual tokens (their KV,
/// after the system prompt) are what the model attends to while it writes one short description,
/// which replaces them in long-term memory. Merging for compaction joins the texts.
/// </summary>
public sealed class LlmVerbalizer(VideoLlmModel model, Func<KvBlock?> system, Func<long> nextPosition, int maxTokens) : IVerbalizer
{
    public const string Prompt = "Describe these moments in one short sentence.";
    private readonly StructuredVerbalizer _merge = new();

    public SegmentFacts Describe(IReadOnlyList<VisualFrame> frames)
    {
        var past = new List<KvBlock>();
        if (system() is { } prompt)
        {
            past.Add(prompt);
        }
        past.AddRange(frames.Select(f => f.Kv).OfType<KvBlock>().Where(b => b.Tokens > 0));
        var ids = model.Tokenizer.Encode(model.Prompt("", Prompt));
        // Generation appends its own blocks to this local list only: the cache is not touched.
        var generation = Generator.Generate(model.Decoder, model.Embedder, model.Embedder.Embed(ids), ids.Length, past, nextPosition(),
            new GenerationOptions(maxTokens, new HashSet<long> { model.EndToken }));
        var text = model.Tokenizer.Decode(generation.Tokens).ReplaceLineEndings(" ").Trim();
        return SegmentFacts.FromText(text.Length > 0 ? text : "(nothing said)");
    }

    public SegmentFacts Merge(SegmentFacts older, SegmentFacts newer) => _merge.Merge(older, newer);
}
