using StreamVision.Cache;
using StreamVision.Cache.Kv;
using StreamVision.Cache.Multimodal;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Unit;

/// <summary>The VideoLLM's memory: eviction, offload, and an hour of stream inside a hard budget.</summary>
public sealed class MultimodalCacheTests
{
    private static readonly KvLayout Layout = new(Layers: 2, KvHeads: 2, HeadDim: 16);

    private static KvBlock Block(TokenKind kind, long firstPosition, int tokens, int seed, float[]? scores = null)
    {
        var random = new Random(seed);
        var matrices = Enumerable.Range(0, Layout.VectorsPerToken)
            .Select(_ => Enumerable.Range(0, tokens * Layout.HeadDim).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray())
            .ToArray();
        var block = new KvBlock(Layout, kind, Enumerable.Range(0, tokens).Select(t => firstPosition + t).ToList(), matrices);
        (scores ?? Enumerable.Range(0, tokens).Select(_ => (float)random.NextDouble()).ToArray()).CopyTo(block.Scores, 0);
        return block;
    }

    [Fact]
    public void Eviction_keeps_the_protected_window_and_the_highest_scoring_tokens()
    {
        var system = Block(TokenKind.System, 0, 4, 1, [0, 0, 0, 0]);
        var text = Block(TokenKind.Text, 4, 6, 2, [0.9f, 0.1f, 0.5f, 0.05f, 0.7f, 0.2f]);
        var visual = Block(TokenKind.Visual, 10, 6, 3, [0.3f, 0.8f, 0.01f, 0.6f, 0.02f, 0.03f]);
        // Drop 5 tokens; the 3 most recent (positions 13..15) are protected whatever their score.
        var plan = ImportanceEviction.Plan([system, text, visual], protectedRecent: 3, tokensToDrop: 5);

        Assert.All(plan[system], Assert.True); // system tokens are never dropped
        // Candidates by score: visual 12 (0.01), text 7 (0.05), text 5 (0.1), text 9 (0.2), visual 10 (0.3).
        Assert.Equal([true, false, true, false, true, false], plan[text]);
        Assert.Equal([false, true, false, true, true, true], plan[visual]);
        // Applying the plan keeps exactly those tokens, in order, with their values.
        var before = new float[6 * Layout.HeadDim];
        visual.Read(1, 1, true, before);
        visual.Keep(plan[visual]);
        Assert.Equal([11L, 13, 14, 15], visual.Positions);
        var after = new float[4 * Layout.HeadDim];
        visual.Read(1, 1, true, after);
        Assert.Equal(before.AsSpan(Layout.HeadDim, Layout.HeadDim).ToArray(), after.AsSpan(0, Layout.HeadDim).ToArray());
    }

    [Fact]
    public void Offloaded_heads_leave_memory_and_come_back_unchanged_from_host_then_disk()
    {
        using var dir = new TempDir();
        using var host = new HostMemoryTier(new ByteBudget("host", 4096));
        using var disk = new DiskTier(dir.Path, new ByteBudget("disk", 1 << 20));
        var a = Block(TokenKind.Visual, 0, 8, 4);
        var b = Block(TokenKind.Visual, 8, 8, 5);
        var expected = new float[8 * Layout.HeadDim];
        b.Read(1, 0, false, expected);

        var freedA = a.Offload(host, [0, 1], "a"); // 8 matrices × 8 tokens × 16 × 4 B = 4 KiB: fills host
        Assert.Equal(4096 + 8 * StreamVision.Cache.HeapSize.ArrayHeader, freedA); // the values and their arrays' headers
        Assert.Equal(4096, host.Bytes);
        Assert.Equal(0, b.Offload(host, [0], "b")); // host full
        Assert.True(b.Offload(disk, [0, 1], "b") > 0);
        Assert.True(b.IsOffloaded);
        Assert.Equal(Layout.VectorsPerToken, Directory.GetFiles(dir.Path).Length); // one file per matrix
        var back = new float[expected.Length];
        b.Read(1, 0, false, back);
        Assert.Equal(expected, back);

        b.ReleaseTier();
        a.ReleaseTier();
        Assert.Equal(0, host.Bytes);
        Assert.Equal(0, disk.Bytes);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    private static int CountTokens(string text) => (text.Length + 3) / 4; // ≈ 4 characters per BPE token

    /// <summary>
    /// An hour at 2 fps (7 200 frames, 8 visual tokens each, KV for every token) with scene facts
    /// that change every minute or so. The 10-second window takes about 110 KiB at full precision
    /// and still about 50 KiB with 1-bit KV; the budget is 56 KiB with the system prompt and the
    /// text, so quantisation and then eviction must work all hour.
    /// </summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void An_hour_of_stream_stays_inside_the_budget_with_22_times_fewer_tokens()
    {
        const int frames = 3600 * 2, tokensPerFrame = 8, dim = 32;
        var options = new CacheOptions(TimeSpan.FromSeconds(10), tokensPerFrame, dim, Layout, TextTokenCap: 1024) { ProtectedRecentTokens = 32 };
        var budget = new ByteBudget("camera", 64 * 1024);
        using var cache = new MultimodalCache(options, budget, new StructuredVerbalizer(), CountTokens);
        cache.SetSystem(Block(TokenKind.System, 0, 16, 0));
        var random = new Random(11);
        var persons = 1;
        var motion = "still";
        long position = 16;
        var maxTokens = 0;
        for (var i = 0; i < frames; i++)
        {
            var time = i / 2.0;
            if (random.NextDouble() < 1 / 60.0)
            {
                persons = Math.Clamp(persons + random.Next(-1, 2), 0, 4);
            }
            if (random.NextDouble() < 1 / 90.0)
            {
                motion = new[] { "still", "left", "right", "forward" }[random.Next(4)];
            }
            var facts = new FrameFacts(new Dictionary<string, string> { ["persons"] = persons.ToString(), ["camera"] = motion });
            cache.AppendFrame(time, facts, Block(TokenKind.Visual, position, tokensPerFrame, i));
            position += tokensPerFrame;

            Assert.True(budget.Held <= budget.Limit, $"frame {i}: {budget.Held} bytes held over {budget.Limit}");
            if (i % 97 == 0)
            {
                Assert.Equal(cache.CountHeldBytes(), budget.Held); // accounted from what is really held
            }
            maxTokens = Math.Max(maxTokens, cache.TokensHeld);
        }
        var everyVisualToken = frames * tokensPerFrame;
        Assert.True(everyVisualToken / (double)maxTokens >= 22, $"held up to {maxTokens} tokens; keeping every visual token is {everyVisualToken}");
        Assert.True(cache.QuantizedBlocks > 0 && cache.EvictedTokens > 0, "the budget was meant to need the policies");
        Assert.True(cache.LongTerm.Count > 10);
        Assert.StartsWith("[00:00–", cache.LongTerm[0].Text);
        Assert.Contains("persons", cache.LongTermText());
        Assert.True(cache.ShortTerm.Count <= 21);
        Assert.True(budget.Peak <= budget.Limit);
    }

    [Fact]
    public void Without_policies_the_same_budget_is_refused_with_a_clear_message()
    {
        var options = new CacheOptions(TimeSpan.FromSeconds(10), 8, 32, Layout) { Policies = [] };
        using var cache = new MultimodalCache(options, new ByteBudget("camera", 64 * 1024), new StructuredVerbalizer(), CountTokens);
        var e = Assert.Throws<CacheBudgetException>(() =>
        {
            for (var i = 0; i < 200; i++)
            {
                cache.AppendFrame(i / 2.0, FrameFacts.None, Block(TokenKind.Visual, i * 8, 8, i));
            }
        });
        Assert.Contains("cache budget 'camera'", e.Message);
        Assert.Contains("Raise the budget or shorten the visual window", e.Message);
    }

    [Fact]
    public void Expiring_frames_become_text_and_unchanged_scenes_extend_one_segment()
    {
        var options = new CacheOptions(TimeSpan.FromSeconds(2), 2, 4, Layout);
        using var cache = new MultimodalCache(options, new ByteBudget("camera", 1 << 20), new StructuredVerbalizer(), CountTokens);
        FrameFacts Facts(int persons) => new(new Dictionary<string, string> { ["persons"] = persons.ToString() });
        for (var i = 0; i < 20; i++)
        {
            cache.AppendFrame(i, Facts(i < 10 ? 1 : 2));
        }
        Assert.Equal(3, cache.ShortTerm.Count); // t = 17, 18, 19 within 2 s of 19
        Assert.Equal(["[00:00–00:09] persons 1", "[00:10–00:16] persons 2"], cache.LongTerm.Select(s => s.Text));
    }
}

/// <summary>An LLM writing long-term text takes long: with background verbalization the stage's
/// appends go on while it writes, the chunk stays in memory (counted, untouched by the policies)
/// and its text arrives at the next append after the writer is done.</summary>
public sealed class BackgroundVerbalizationTests
{
    private sealed class GatedVerbalizer : IVerbalizer
    {
        private readonly StructuredVerbalizer _inner = new();
        public readonly ManualResetEventSlim Open = new(false);
        public int Calls;
        public int? Thread;

        public SegmentFacts Describe(IReadOnlyList<VisualFrame> frames)
        {
            Thread = Environment.CurrentManagedThreadId;
            Interlocked.Increment(ref Calls);
            Assert.True(Open.Wait(TimeSpan.FromSeconds(30)), "the test never opened the gate");
            return _inner.Describe(frames);
        }

        public SegmentFacts Merge(SegmentFacts older, SegmentFacts newer) => _inner.Merge(older, newer);
    }

    [Fact]
    public void Appends_go_on_while_the_writer_writes_and_its_text_arrives_at_a_later_append()
    {
        var layout = new KvLayout(1, 1, 4);
        var verbalizer = new GatedVerbalizer();
        var options = new CacheOptions(TimeSpan.FromSeconds(2), 2, 4, layout) { VerbalizeInBackground = true, VerbalizeEvery = TimeSpan.FromSeconds(2) };
        var budget = new ByteBudget("camera", 1 << 20);
        using var cache = new MultimodalCache(options, budget, verbalizer, text => text.Length / 4 + 1);
        KvBlock Block(int i) => new(layout, TokenKind.Visual, [2L * i, 2L * i + 1], [new float[8], new float[8]]);
        FrameFacts Persons(int n) => new(new Dictionary<string, string> { ["persons"] = n.ToString() });

        try
        {
            AppendWhileBlocked();
        }
        finally
        {
            verbalizer.Open.Set(); // never leave the writer (and the cache's disposal) waiting
        }
        cache.CollectVerbalized(wait: true);
        cache.AppendFrame(8, Persons(1), Block(8));
        Assert.NotEmpty(cache.LongTerm);
        Assert.StartsWith("[00:00–", cache.LongTerm[0].Text);
        Assert.Contains("persons 1", cache.LongTerm[0].Text);
        Assert.Equal(cache.CountHeldBytes(), budget.Held);

        void AppendWhileBlocked()
        {
            for (var i = 0; i < 8; i++)
            {
                cache.AppendFrame(i, Persons(1), Block(i)); // returns although the writer is blocked
            }
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref verbalizer.Calls) >= 1, TimeSpan.FromSeconds(30)), "the writer never started");
        Assert.NotEqual(Environment.CurrentManagedThreadId, verbalizer.Thread);
        Assert.Empty(cache.LongTerm);
        Assert.Equal(cache.CountHeldBytes(), budget.Held); // the chunk being written is still counted
        }
    }
}
