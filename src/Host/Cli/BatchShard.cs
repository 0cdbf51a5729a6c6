using System.Globalization;

namespace StreamVision.Host.Cli;

/// <summary>
/// <c>--shard K/N</c>: this run takes every N-th video, starting at the K-th (0-based, as Kubernetes'
/// JOB_COMPLETION_INDEX), of the videos sorted by name. Every shard must be given the same list (the
/// same glob); together the N shards process each video exactly once, and each shard resumes on its own
/// (a finished video is skipped, a stopped one continues where it stopped).
/// </summary>
public readonly record struct BatchShard(int Index, int Count)
{
    public static BatchShard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            throw new FormatException($"--shard '{text}': write K/N, e.g. --shard 0/4 (K counts from 0, as $JOB_COMPLETION_INDEX).");
        }
        if (count < 1 || index >= count)
        {
            throw new FormatException($"--shard '{text}': for K/N use 0 <= K < N and N >= 1 (K counts from 0, as $JOB_COMPLETION_INDEX).");
        }
        return new BatchShard(index, count);
    }

    /// <summary>This shard's videos, in name order (duplicates once).</summary>
    public IReadOnlyList<string> Take(IEnumerable<string> videos)
    {
        var (index, count) = (Index, Count);
        return videos.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Where((_, i) => i % count == index).ToList();
    }

    public override string ToString() => $"{Index}/{Count}";
}
