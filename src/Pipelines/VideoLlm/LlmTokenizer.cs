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

    /// <param name="addedTokensFile">Optional HF added_tokens.json (token → id) for special tokens not in the vocabulary.</param>
    public LlmTokenizer(string vocabFile, string mergesFile, IReadOnlyList<string> specialTokens, string? addedTokensFile = null)
    {
        var vocab = ReadTokenMap(vocabFile);
        var added = addedTokensFile is null ? new Dictionary<string, int>() : ReadTokenMap(addedTokensFile);
        var specials = new Dictionary<string, int>();
        foreach (var token in specialTokens)
        {
            specials[token] = vocab.TryGetValue(token, out var id) || added.TryGetValue(token, out id)
                ? id
                : throw new InvalidDataException($"special token '{token}' is in neither '{vocabFile}' nor the added tokens");
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

    private static Dictionary<string, int> ReadTokenMap(string file)
    {
        using var stream = File.OpenRead(file);
        return System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, int>>(stream)
            ?? throw new InvalidDataException($"'{file}' is not a token map (a JSON object of token → id)");
    }

    public long[] Encode(string text) => _bpe.EncodeToIds(text).Select(id => (long)id).ToArray();

    public string Decode(IEnumerable<long> ids) => _bpe.Decode(ids.Select(id => (int)id)) ?? "";

    public int Count(string text) => _bpe.CountTokens(text);
}
