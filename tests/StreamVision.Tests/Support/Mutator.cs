using System.Text;

namespace StreamVision.Tests.Support;

/// <summary>Seeded mutations of valid inputs, as a fuzzer makes them: bytes flipped, inserted,
/// deleted, duplicated or truncated, and tokens that break parsers (quotes, brackets, huge or
/// non-finite numbers, control and non-ASCII characters, deep nesting, very long values).</summary>
public sealed class Mutator(int seed)
{
    private static readonly string[] Tokens =
    [
        "\"", "'", "{", "}", "[", "]", ":", ",", "\\", "\0", "\n", "\t", "null", "true", "-1", "0", "1e309", "-1e309", "NaN",
        "Infinity", "9223372036854775808", "-0", "0x41", "💥", "\u202e", "<script>", "%00", "../", "..", "*", "&a", "!!binary", "|", ">",
        "- ", "# ", "~", "\uFFFD", "ON", "OFF", "none", new string('a', 5000), new string('[', 200), new string('{', 200),
    ];

    private readonly Random _random = new(seed);

    public int Next(int max) => _random.Next(max);

    public T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    public string Mutate(string seedText)
    {
        var text = new StringBuilder(seedText);
        for (var n = 1 + _random.Next(3); n > 0; n--)
        {
            var at = text.Length == 0 ? 0 : _random.Next(text.Length);
            switch (_random.Next(6))
            {
                case 0 when text.Length > 0:
                    text[at] = (char)(text[at] ^ (1 << _random.Next(7)));
                    break;
                case 1:
                    text.Insert(at, Pick(Tokens));
                    break;
                case 2 when text.Length > 0:
                    text.Remove(at, Math.Min(text.Length - at, 1 + _random.Next(8)));
                    break;
                case 3 when text.Length > 0:
                    var length = Math.Min(text.Length - at, 1 + _random.Next(16));
                    text.Insert(at, text.ToString(at, length));
                    break;
                case 4:
                    text.Length = at;
                    break;
                default:
                    text.Insert(at, (char)_random.Next(0x20, 0x7f));
                    break;
            }
        }
        return text.ToString();
    }
}
