using System.Text;
using System.Text.Json;

namespace StreamVision.ModelGenerator;

/// <summary>
/// The reference LLM's tokenizer files in the format SmolVLM ships (GPT-2 style byte-level BPE:
/// <c>vocab.json</c> token → id and <c>merges.txt</c>): the 256 byte symbols, a handful of merges
/// of common English pairs, and the special tokens. Read with Microsoft.ML.Tokenizers like the real ones.
/// </summary>
public static class ReferenceTokenizer
{
    public const string VocabFile = "reference_llm_vocab.json";
    public const string MergesFile = "reference_llm_merges.txt";
    public const string EndToken = "<|im_end|>";
    public const string ImageToken = "<image>";

    private static readonly string[] Merges = ["Ġ t", "h e", "Ġt he", "i n", "e r", "Ġ a", "o n", "Ġ s", "r e", "a t", "e n", "Ġ p", "Ġ w", "Ġ c", "o r"];

    /// <summary>GPT-2's printable stand-in for each byte (so every byte is a token).</summary>
    public static char[] ByteSymbols()
    {
        var symbols = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            symbols[b] = printable ? (char)b : (char)next++;
        }
        return symbols;
    }

    /// <summary>Token → id: bytes first, then merged pairs, then the special tokens.</summary>
    public static Dictionary<string, int> Vocabulary()
    {
        var vocab = new Dictionary<string, int>();
        foreach (var symbol in ByteSymbols())
        {
            vocab[symbol.ToString()] = vocab.Count;
        }
        foreach (var merge in Merges)
        {
            vocab[merge.Replace(" ", "", StringComparison.Ordinal)] = vocab.Count;
        }
        vocab[EndToken] = vocab.Count;
        vocab[ImageToken] = vocab.Count;
        return vocab;
    }

    public static int Size => 256 + Merges.Length + 2;

    public static (byte[] Vocab, byte[] Merges) Build()
    {
        var vocab = JsonSerializer.SerializeToUtf8Bytes(Vocabulary());
        var merges = Encoding.UTF8.GetBytes("#version: 0.2\n" + string.Join('\n', Merges) + "\n");
        return (vocab, merges);
    }
}
