using System.Globalization;

namespace StreamVision.Cache.Multimodal;

/// <summary>What the perception stages said about one frame, as short facts (e.g. "persons" → "2",
/// "motion" → "left", "nearest" → "3 m"). The structured verbalizer turns runs of them into text.</summary>
public sealed record FrameFacts(IReadOnlyDictionary<string, string> Facts)
{
    public static readonly FrameFacts None = new(new Dictionary<string, string>());

    /// <summary>Facts whose key starts with this are a story that grows (an object's track: "person 12"
    /// → "entered road at 00:41, left road at 00:52"): the latest value tells it all, so the
    /// verbalizer keeps the latest, not the most frequent, and text shows the key without the mark.</summary>
    public const string StoryMark = "track:";

    public static bool IsStory(string key) => key.StartsWith(StoryMark, StringComparison.Ordinal);

    /// <summary>What this record and its dictionary hold on the heap (keys and values included, as
    /// if none were shared): a frame in the window keeps its facts.</summary>
    public long Bytes => ReferenceEquals(this, None) ? 0
        : HeapSize.Object(HeapSize.Reference) + HeapSize.Object(80) + HeapSize.Array(Facts.Count, sizeof(int)) + HeapSize.Array(Facts.Count, 24)
          + Facts.Sum(f => HeapSize.String(f.Key.Length) + HeapSize.String(f.Value.Length));
}

/// <summary>Turns expiring visual memory into long-term text.</summary>
public interface IVerbalizer
{
    /// <summary>One description of the expiring frames (their facts, or — for an LLM — their visual tokens).</summary>
    SegmentFacts Describe(IReadOnlyList<VisualFrame> frames);

    /// <summary>A coarser description covering two segments (used when long-term text is compacted).</summary>
    SegmentFacts Merge(SegmentFacts older, SegmentFacts newer);
}

/// <summary>Facts of a text segment: per fact the values seen (one value, or several after a merge).</summary>
public sealed record SegmentFacts(IReadOnlyDictionary<string, IReadOnlyList<string>> Values)
{
    /// <summary>Free text (an LLM's words) is kept under the empty key and rendered as it is.</summary>
    public const string TextKey = "";

    public static SegmentFacts FromText(string text) => new(new Dictionary<string, IReadOnlyList<string>> { [TextKey] = [text] });

    public string Describe() => Values.Count == 0
        ? "nothing noted"
        : string.Join("; ", Values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key == TextKey ? string.Join(" / ", kv.Value)
            : FrameFacts.IsStory(kv.Key) ? $"{kv.Key[FrameFacts.StoryMark.Length..]} {string.Join(" / ", kv.Value)}"
            : $"{kv.Key} {string.Join("/", kv.Value)}"));

    public bool SameAs(SegmentFacts other) => Describe() == other.Describe();
}

/// <summary>
/// The verbalizer used when no LLM writes the long-term memory: per fact the most frequent value
/// over the expiring frames, rendered as "[00:41–00:52] motion left; persons 2" — except stories
/// (<see cref="FrameFacts.StoryMark"/>: an object's track), whose latest value is the whole story:
/// "[00:40–00:50] person 12 entered road at 00:41, left road at 00:52". Merging keeps every distinct
/// value (a story its newer telling), so compaction loses detail but never invents any.
/// </summary>
public sealed class StructuredVerbalizer : IVerbalizer
{
    public SegmentFacts Describe(IReadOnlyList<VisualFrame> frames)
    {
        var values = frames.SelectMany(f => f.Facts.Facts)
            .GroupBy(kv => kv.Key)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[FrameFacts.IsStory(g.Key)
                ? g.Last().Value
                : g.GroupBy(kv => kv.Value).OrderByDescending(v => v.Count()).ThenBy(v => v.Key, StringComparer.Ordinal).First().Key]);
        return new SegmentFacts(values);
    }

    public SegmentFacts Merge(SegmentFacts older, SegmentFacts newer)
    {
        var keys = older.Values.Keys.Union(newer.Values.Keys);
        return new SegmentFacts(keys.ToDictionary(k => k, k => (IReadOnlyList<string>)(FrameFacts.IsStory(k)
            ? [newer.Values.GetValueOrDefault(k, older.Values.GetValueOrDefault(k, []))[^1]]
            : older.Values.GetValueOrDefault(k, []).Concat(newer.Values.GetValueOrDefault(k, [])).Distinct().ToList())));
    }

    public static string Clock(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Max(0, seconds));
        return t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"mm\:ss", CultureInfo.InvariantCulture);
    }
}

/// <summary>A piece of long-term memory: a time range of the stream and what happened in it.</summary>
public sealed record TextSegment(double Start, double End, SegmentFacts Facts, int Tokens)
{
    public string Text => $"[{StructuredVerbalizer.Clock(Start)}–{StructuredVerbalizer.Clock(End)}] {Facts.Describe()}";
}
