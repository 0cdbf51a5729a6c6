using Microsoft.ML.Tokenizers;

namespace StreamVision.Pipelines.VideoLlm;

/// <summary>
/// The LLM's tokenizer, read with Microsoft.ML.Tokenizers from the model's own files: GPT-2 style
/// byte-level BPE (<c>vocab.json</c> + <c>merges.txt</c>, as SmolVLM ships them) with its special
/// tokens (the end-of-turn token stops generation).
/// </summary>
public sealed partial class LlmTokenizer
{
    [System.Text.RegularExpressions.GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial System.Text.RegularExpressions.Regex Gpt2Split();

    private readonly BpeTokenizer _bpe;

    public LlmTokenizer(string vocabFile, string mergesFile, IReadOnlyList<string> specialTokens)
    {
        using var vocabStream = File.OpenRead(vocabFile);
        var vocab = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, int>>(vocabStream)
            ?? throw new InvalidDataException($"'{vocabFile}' is not a vocabulary (a JSON object of token → id)");
        var specials = new Dictionary<string, int>();
        foreach (var token in specialTokens)
        {
            specials[token] = vocab.TryGetValue(token, out var id) ? id : throw new InvalidDataException($"special token '{token}' is not in '{vocabFile}'");
        }
        _bpe = BpeTokenizer.Create(new BpeOptions(vocabFile, mergesFile)
        {
            ByteLevel = true,
            SpecialTokens = specials,
            // GPT-2's split: words with their leading space, numbers, punctuation runs, spaces.
            PreTokenizer = new RegexPreTokenizer(Gpt2Split(), specials),
        });
        Special = specials;
    }

    public IReadOnlyDictionary<string, int> Special { get; }

    public long[] Encode(string text) => _bpe.EncodeToIds(text).Select(id => (long)id).ToArray();

    public string Decode(IEnumerable<long> ids) => _bpe.Decode(ids.Select(id => (int)id)) ?? "";

    public int Count(string text) => _bpe.CountTokens(text);
}
