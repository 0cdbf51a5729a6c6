namespace StreamVision.Cache.Kv;

/// <summary>
/// Importance-based eviction (after Locret): tokens are dropped lowest score first, and the most
/// recent <c>protectedRecent</c> visual tokens — the "stabiliser" window the model needs for
/// coherent continuation — are never dropped, whatever their score. System tokens are never dropped
/// either; text tokens compete by score.
/// </summary>
public static class ImportanceEviction
{
    /// <summary>Per block, which tokens to keep after dropping up to <paramref name="tokensToDrop"/>.</summary>
    public static Dictionary<KvBlock, bool[]> Plan(IReadOnlyList<KvBlock> blocks, int protectedRecent, int tokensToDrop)
    {
        var all = blocks.SelectMany(b => Enumerable.Range(0, b.Tokens).Select(t => (Block: b, Token: t, Position: b.Positions[t], Score: b.Scores[t]))).ToList();
        // Visual tokens at or after this position are the protected recent window (text encoded
        // lately takes high positions too, but it is not what the model needs to continue from).
        var visual = all.Where(x => x.Block.Kind == TokenKind.Visual).ToList();
        var protectedFrom = protectedRecent <= 0 ? long.MaxValue
            : visual.Count <= protectedRecent ? (visual.Count == 0 ? long.MaxValue : long.MinValue)
            : visual.Select(x => x.Position).OrderDescending().ElementAt(protectedRecent - 1);
        var keep = blocks.ToDictionary(b => b, b => Enumerable.Repeat(true, b.Tokens).ToArray());
        var candidates = all
            .Where(x => x.Block.Kind != TokenKind.System && !(x.Block.Kind == TokenKind.Visual && x.Position >= protectedFrom))
            .OrderBy(x => x.Score)
            .ThenBy(x => x.Position) // equal importance: the older goes first
            .Take(tokensToDrop);
        foreach (var (block, token, _, _) in candidates)
        {
            keep[block][token] = false;
        }
        return keep;
    }
}
