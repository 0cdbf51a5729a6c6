using StreamVision.Cache.Kv;
using StreamVision.ModelGenerator;
using StreamVision.Pipelines.VideoLlm;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Unit;

/// <summary>The generation loop with our own KV cache against the generated transformer (a real
/// ONNX Runtime session): cached decoding must give what recomputing from scratch gives.</summary>
public sealed class DecoderKvCacheTests
{
    private static readonly KvLayout Layout = new(ReferenceDecoderModel.Layers, ReferenceDecoderModel.Heads, ReferenceDecoderModel.HeadDim);

    private static DecoderSession Decoder() => new(Path.Combine(SharedData.ProjectModels, ReferenceDecoderModel.FileName), Layout, ReferenceDecoderModel.Hidden, ReferenceDecoderModel.Vocab);

    private static TokenEmbedder Embedder() => new(Path.Combine(SharedData.ProjectModels, ReferenceEmbedModel.FileName), ReferenceDecoderModel.Hidden);

    private static float[] RandomEmbeds(int tokens, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, tokens * ReferenceDecoderModel.Hidden).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>
    /// Tolerance 1e-4 on logits of magnitude ~1–10: the cached and the full runs do the same
    /// arithmetic on the same numbers, but ONNX Runtime's MatMul kernels sum in a different order for
    /// different sequence lengths, which moves float32 results by a few ulps (~1e-6 relative); 1e-4
    /// absolute leaves two orders of magnitude of margin while any real mistake (a wrong position,
    /// a missing or duplicated past token, a causal-mask error) moves logits by 1e-2 or more.
    /// </summary>
    [Fact]
    public void Decoding_with_our_kv_cache_gives_the_logits_of_recomputing_from_scratch()
    {
        using var decoder = Decoder();
        const int total = 12, prefix = 5;
        var embeds = RandomEmbeds(total, 7);
        var full = decoder.Run(embeds, total, [], TokenKind.Text, 0);

        var cache = new List<KvBlock>();
        var prefill = decoder.Run(embeds.AsSpan(0, prefix * ReferenceDecoderModel.Hidden), prefix, cache, TokenKind.Text, 0);
        cache.Add(prefill.Kv);
        var cached = new List<float>(prefill.Logits);
        for (var t = prefix; t < total; t++)
        {
            var step = decoder.Run(embeds.AsSpan(t * ReferenceDecoderModel.Hidden, ReferenceDecoderModel.Hidden), 1, cache, TokenKind.Visual, t);
            cache.Add(step.Kv);
            cached.AddRange(step.Logits);
        }
        Assert.Equal(full.Logits.Length, cached.Count);
        var worst = full.Logits.Zip(cached).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(worst < 1e-4, $"largest logit difference {worst:E2}");
        // The cache really matters: dropping the oldest block changes the answer.
        var partial = decoder.Run(embeds.AsSpan((total - 1) * ReferenceDecoderModel.Hidden, ReferenceDecoderModel.Hidden), 1, cache.Skip(1).Take(cache.Count - 2).ToList(), TokenKind.Text, total - 1);
        Assert.True(partial.Logits.Zip(full.Logits.AsSpan((total - 1) * ReferenceDecoderModel.Vocab).ToArray()).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Fact]
    public void Greedy_generation_with_the_cache_picks_the_tokens_recomputation_picks()
    {
        using var decoder = Decoder();
        using var embedder = Embedder();
        var prompt = embedder.Embed([3, 14, 15, 9, 26]);
        var generated = Generator.Generate(decoder, embedder, prompt, 5, [], 0, new GenerationOptions(12, new HashSet<long>()));
        Assert.Equal(12, generated.Tokens.Count);

        // The same, recomputing every step from the whole sequence with no cache.
        var ids = new List<long> { 3, 14, 15, 9, 26 };
        var recomputed = new List<long>();
        for (var i = 0; i < 12; i++)
        {
            var step = decoder.Run(embedder.Embed(ids.ToArray()), ids.Count, [], TokenKind.Text, 0);
            var next = Generator.Pick(step.Last(decoder.Vocab), 0, new Random(0));
            recomputed.Add(next);
            ids.Add(next);
        }
        Assert.Equal(recomputed, generated.Tokens);
    }

    [Fact]
    public void Stop_tokens_max_tokens_and_seeded_sampling()
    {
        using var decoder = Decoder();
        using var embedder = Embedder();
        var prompt = embedder.Embed([1, 2, 3]);
        var greedy = Generator.Generate(decoder, embedder, prompt, 3, [], 0, new GenerationOptions(8, new HashSet<long>()));
        var stopAt = greedy.Tokens[2];
        var stopped = Generator.Generate(decoder, embedder, prompt, 3, [], 0, new GenerationOptions(8, new HashSet<long> { stopAt }));
        Assert.True(stopped.Stopped);
        Assert.Equal(greedy.Tokens.TakeWhile(t => t != stopAt), stopped.Tokens);
        Assert.Equal(4, Generator.Generate(decoder, embedder, prompt, 3, [], 0, new GenerationOptions(4, new HashSet<long>())).Tokens.Count);

        var hot1 = Generator.Generate(decoder, embedder, prompt, 3, [], 0, new GenerationOptions(16, new HashSet<long>(), Temperature: 5f, Seed: 42));
        var hot2 = Generator.Generate(decoder, embedder, prompt, 3, [], 0, new GenerationOptions(16, new HashSet<long>(), Temperature: 5f, Seed: 42));
        var hot3 = Generator.Generate(decoder, embedder, prompt, 3, [], 0, new GenerationOptions(16, new HashSet<long>(), Temperature: 5f, Seed: 43));
        Assert.Equal(hot1.Tokens, hot2.Tokens);        // same seed, same words
        Assert.NotEqual(hot1.Tokens, hot3.Tokens);     // another seed, other words
        Assert.All(hot1.Tokens, t => Assert.InRange(t, 0, ReferenceDecoderModel.Vocab - 1));
    }

    /// <summary>The dense past kept between runs reads only what is new, and starts over when the
    /// cache changed underneath (a block quantised, tokens evicted, a block gone).</summary>
    [Fact]
    public void The_kept_dense_past_follows_appends_quantisation_and_eviction()
    {
        using var decoder = Decoder();
        var blocks = new List<KvBlock>();
        using var past = new DecoderPast(Layout, new StreamVision.Cache.ByteBudget("test", long.MaxValue));
        for (var t = 0; t < 4; t++)
        {
            past.Sync(blocks);
            var step = decoder.Run(RandomEmbeds(3, t), 3, past, TokenKind.Visual, 3 * t);
            blocks.Add(step.Kv);
        }
        void AssertEqualsBlocks()
        {
            past.Sync(blocks);
            var tokens = blocks.Sum(b => b.Tokens);
            Assert.Equal(tokens, past.Length);
            for (var layer = 0; layer < Layout.Layers; layer++)
            {
                foreach (var value in new[] { false, true })
                {
                    var expected = new float[Layout.KvHeads * tokens * Layout.HeadDim];
                    for (var head = 0; head < Layout.KvHeads; head++)
                    {
                        KvBlock.ReadConcatenated(blocks, layer, head, value, expected.AsSpan(head * tokens * Layout.HeadDim, tokens * Layout.HeadDim));
                    }
                    Assert.Equal(expected, past.Matrix(layer, value).ToArray());
                }
            }
        }
        AssertEqualsBlocks();
        blocks[1].Quantize(4, QuantizedMatrix.CalibratedClip(4));
        AssertEqualsBlocks();
        blocks[2].Keep([true, false, true]);
        AssertEqualsBlocks();
        blocks.RemoveAt(0);
        AssertEqualsBlocks();

        // A run over the kept past gives the last logits of a run over the blocks themselves.
        var embeds = RandomEmbeds(1, 99);
        var kept = decoder.Run(embeds, 1, past, TokenKind.Text, 20);
        var fresh = decoder.Run(embeds, 1, blocks, TokenKind.Text, 20);
        Assert.Equal(fresh.Last(ReferenceDecoderModel.Vocab).ToArray(), kept.Last(ReferenceDecoderModel.Vocab).ToArray());
        Assert.Equal(ReferenceDecoderModel.Vocab, kept.Logits.Length); // only the last position's logits are kept
    }

    /// <summary>Importance written by production code: every block the decoder returns carries
    /// scores (here the key-norm proxy, the reference decoder exporting no attention), and under
    /// pressure the cache drops the tokens with the highest key norms, not the oldest.</summary>
    [Fact]
    public void Eviction_under_pressure_keeps_the_low_key_norm_tokens_the_decoder_scored_not_the_oldest()
    {
        using var decoder = Decoder();
        var (options, cache, past) = EvictingMemory();
        using var disposeCache = cache;
        using var disposePast = past;
        var norms = new Dictionary<long, double>();
        for (var frame = 0; frame < 60; frame++)
        {
            past.Sync(cache.KvBlocks.ToList());
            var step = decoder.Run(RandomEmbeds(4, 1000 + frame), 4, past, TokenKind.Visual, 4 * frame);
            Assert.All(step.Kv.Scores, score => Assert.True(score < 0, "every new token is scored"));
            var keys = new float[4 * Layout.HeadDim];
            for (var t = 0; t < 4; t++)
            {
                norms[step.Kv.Positions[t]] = 0;
            }
            for (var layer = 0; layer < Layout.Layers; layer++)
            {
                for (var head = 0; head < Layout.KvHeads; head++)
                {
                    step.Kv.Read(layer, head, false, keys);
                    for (var t = 0; t < 4; t++)
                    {
                        norms[step.Kv.Positions[t]] += Math.Sqrt(keys.AsSpan(t * Layout.HeadDim, Layout.HeadDim).ToArray().Sum(v => (double)v * v));
                    }
                }
            }
            cache.AppendFrame(frame / 2.0, StreamVision.Cache.Multimodal.FrameFacts.None, step.Kv);
        }
        Assert.True(cache.EvictedTokens > 0, "the budget was meant to need eviction");
        var kept = cache.KvBlocks.SelectMany(b => b.Positions).ToHashSet();
        var protectedFrom = norms.Keys.Max() - options.ProtectedRecentTokens + 1;
        var candidates = norms.Where(n => n.Key < protectedFrom).ToList();
        var keptOlder = candidates.Where(n => kept.Contains(n.Key)).ToList();
        var droppedOlder = candidates.Where(n => !kept.Contains(n.Key)).ToList();
        Assert.NotEmpty(keptOlder);
        Assert.NotEmpty(droppedOlder);
        // Eviction ran as the stream went, each time dropping the highest norms among the tokens
        // then outside the protected window: what survives has clearly lower norms than what went.
        Assert.True(keptOlder.Average(n => n.Value) < droppedOlder.Average(n => n.Value),
            $"kept tokens' mean key norm {keptOlder.Average(n => n.Value):0.000}, dropped {droppedOlder.Average(n => n.Value):0.000}");
        // Oldest-first would have dropped the first positions; importance kept some of them.
        Assert.Contains(keptOlder, n => n.Key < droppedOlder.Max(d => d.Key));
    }

    /// <summary>HeadInfer's round trip: heads offloaded to host memory and to disk come back when
    /// the decoder's past is built, and the decoder's logits equal those with nothing offloaded.</summary>
    [Fact]
    public void Logits_after_offloading_to_host_and_disk_equal_those_without_offload()
    {
        using var decoder = Decoder();
        using var dir = new TempDir();
        var blocks = new List<KvBlock>();
        using (var past = new DecoderPast(Layout, new StreamVision.Cache.ByteBudget("past", long.MaxValue)))
        {
            for (var t = 0; t < 6; t++)
            {
                past.Sync(blocks);
                blocks.Add(decoder.Run(RandomEmbeds(4, 50 + t), 4, past, TokenKind.Visual, 4 * t).Kv);
            }
        }
        var query = RandomEmbeds(2, 77);
        var expected = decoder.Run(query, 2, blocks, TokenKind.Text, 24).Logits;

        using var host = new HostMemoryTier(new StreamVision.Cache.ByteBudget("host", 1 << 20));
        using var disk = new DiskTier(dir.Path, new StreamVision.Cache.ByteBudget("disk", 1 << 20));
        Assert.True(blocks[1].Offload(host, [0, 1], "b1") > 0);
        Assert.True(blocks[2].Offload(disk, [1], "b2") > 0);
        Assert.True(blocks[4].Offload(disk, [0, 1], "b4") > 0);
        Assert.True(host.Bytes > 0 && disk.Bytes > 0 && Directory.GetFiles(dir.Path).Length > 0);
        var actual = decoder.Run(query, 2, blocks, TokenKind.Text, 24).Logits;

        Assert.Equal(expected.Length, actual.Length);
        Assert.All(expected.Zip(actual), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-4, $"{p.First} vs {p.Second}"));
        foreach (var block in blocks)
        {
            block.ReleaseTier();
        }
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    /// <summary>A cache that only evicts, with room for about 40 four-token frames and a protected
    /// window of 8, and an unbounded past to run the decoder over it.</summary>
    private static (StreamVision.Cache.Multimodal.CacheOptions Options, StreamVision.Cache.Multimodal.MultimodalCache Cache, DecoderPast Past) EvictingMemory()
    {
        var options = new StreamVision.Cache.Multimodal.CacheOptions(TimeSpan.FromHours(1), 4, ReferenceDecoderModel.Hidden, Layout)
        {
            Policies = [StreamVision.Cache.Multimodal.CachePolicy.Evict],
            ProtectedRecentTokens = 8,
        };
        var budget = new StreamVision.Cache.ByteBudget("camera", 40 * 4 * Layout.FullBytesPerToken);
        return (options, new StreamVision.Cache.Multimodal.MultimodalCache(options, budget, new StreamVision.Cache.Multimodal.StructuredVerbalizer(), _ => 1),
            new DecoderPast(Layout, new StreamVision.Cache.ByteBudget("past", long.MaxValue)));
    }

    /// <summary>StreamingLLM's re-basing with RoPE: tokens cached far into the stream, moved to the
    /// front of the window with their keys rotated, give the logits a fresh prefill of the same
    /// tokens at the new positions gives.</summary>
    [Fact]
    public void Rebased_and_rotated_keys_give_the_logits_of_a_fresh_prefill_at_the_new_positions()
    {
        using var decoder = RopeDecoder();
        List<KvBlock> Prefill(long first)
        {
            var blocks = new List<KvBlock>();
            using var past = new DecoderPast(Layout, new StreamVision.Cache.ByteBudget("past", long.MaxValue));
            for (var t = 0; t < 3; t++)
            {
                past.Sync(blocks);
                blocks.Add(decoder.Run(RandomEmbeds(4, 300 + t), 4, past, TokenKind.Visual, first + 4 * t).Kv);
            }
            return blocks;
        }
        var query = RandomEmbeds(2, 301);
        var late = Prefill(600);
        foreach (var (block, i) in late.Select((b, i) => (b, i)))
        {
            block.Reposition(Enumerable.Range(0, 4).Select(t => (long)(4 * i + t)).ToList(), decoder.RotateKeys!);
        }
        var rebased = decoder.Run(query, 2, late, TokenKind.Text, 12).Logits;
        var fresh = decoder.Run(query, 2, Prefill(0), TokenKind.Text, 12).Logits;

        Assert.All(rebased.Zip(fresh), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-4, $"{p.First} vs {p.Second}"));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), late.SelectMany(b => b.Positions));
    }

    [Fact]
    public void A_position_at_the_models_maximum_is_refused_not_wrapped()
    {
        using var decoder = RopeDecoder();
        var e = Assert.Throws<InvalidOperationException>(() => decoder.Run(RandomEmbeds(2, 1), 2, [], TokenKind.Text, ReferenceDecoderModel.MaxPositions - 1));
        Assert.Contains("maximum position", e.Message);
        Assert.NotEmpty(decoder.Run(RandomEmbeds(1, 1), 1, [], TokenKind.Text, ReferenceDecoderModel.MaxPositions - 1).Logits);
    }

    private static DecoderSession RopeDecoder() => new(Path.Combine(SharedData.ProjectModels, ReferenceDecoderModel.FileName), Layout, ReferenceDecoderModel.Hidden, ReferenceDecoderModel.Vocab,
        maxPosition: ReferenceDecoderModel.MaxPositions, ropeTheta: ReferenceDecoderModel.RopeTheta);

    /// <summary>With a decoder that exports its attention (manifest <c>decoder.attentions</c>),
    /// importance is the attention each cached token receives, accumulated over runs with a decay
    /// (H2O): under pressure the cache keeps the tokens the model attended to, where oldest-first
    /// would have dropped them.</summary>
    [Fact]
    public void With_exported_attention_eviction_keeps_the_tokens_the_model_attends_to()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "attending_decoder.onnx");
        File.WriteAllBytes(file, ReferenceDecoderModel.Build(exportAttentions: true));
        using var decoder = new DecoderSession(file, Layout, ReferenceDecoderModel.Hidden, ReferenceDecoderModel.Vocab, "attentions.{layer}",
            maxPosition: ReferenceDecoderModel.MaxPositions, ropeTheta: ReferenceDecoderModel.RopeTheta);
        Assert.True(decoder.ExportsAttention);
        var (options, cache, past) = EvictingMemory();
        using var disposeCache = cache;
        using var disposePast = past;
        var received = new Dictionary<long, double>(); // by position: the attention each token got, decayed as the stage does
        for (var frame = 0; frame < 60; frame++)
        {
            past.Sync(cache.KvBlocks.ToList());
            var step = decoder.Run(RandomEmbeds(4, 2000 + frame), 4, past, TokenKind.Visual, 4 * frame);
            var attention = step.PastAttention!;
            Assert.Equal(past.Length, attention.Length);
            ImportanceScores.Accumulate(past.Blocks, attention);
            var at = 0;
            foreach (var position in past.Blocks.SelectMany(b => b.Positions))
            {
                received[position] = received[position] * ImportanceScores.Decay + attention[at++];
            }
            foreach (var (position, t) in step.Kv.Positions.Select((p, t) => (p, t)))
            {
                received[position] = step.Kv.Scores[t]; // what the new tokens received from each other in their own run
            }
            cache.AppendFrame(frame / 2.0, StreamVision.Cache.Multimodal.FrameFacts.None, step.Kv);
        }
        Assert.True(cache.EvictedTokens > 0, "the budget was meant to need eviction");
        var kept = cache.KvBlocks.SelectMany(b => b.Positions).ToHashSet();
        var protectedFrom = received.Keys.Max() - options.ProtectedRecentTokens + 1;
        var keptOlder = received.Where(r => r.Key < protectedFrom && kept.Contains(r.Key)).ToList();
        var droppedOlder = received.Where(r => r.Key < protectedFrom && !kept.Contains(r.Key)).ToList();
        Assert.NotEmpty(keptOlder);
        Assert.NotEmpty(droppedOlder);
        // The scores the cache ranked by are the attention the model gave (accumulated as above).
        foreach (var block in cache.KvBlocks)
        {
            foreach (var (position, t) in block.Positions.Select((p, t) => (p, t)))
            {
                Assert.Equal(received[position], block.Scores[t], 3);
            }
        }
        Assert.True(keptOlder.Average(r => r.Value) > droppedOlder.Average(r => r.Value),
            $"kept tokens received {keptOlder.Average(r => r.Value):0.000} on average, dropped ones {droppedOlder.Average(r => r.Value):0.000}");
        Assert.Contains(keptOlder, r => r.Key < droppedOlder.Max(d => d.Key)); // not oldest-first
    }
}

public sealed class LlmTokenizerTests
{
    [Fact]
    public void The_reference_tokenizer_files_round_trip_text_through_microsoft_ml_tokenizers()
    {
        var tokenizer = new LlmTokenizer(
            Path.Combine(SharedData.ProjectModels, ReferenceTokenizer.VocabFile),
            Path.Combine(SharedData.ProjectModels, ReferenceTokenizer.MergesFile),
            [ReferenceTokenizer.EndToken, ReferenceTokenizer.ImageToken]);
        const string text = "[00:41–00:52] the person walks in; camera panning left.";
        var ids = tokenizer.Encode(text);
        Assert.Equal(text, tokenizer.Decode(ids));
        Assert.True(ids.Length < System.Text.Encoding.UTF8.GetByteCount(text), "merges shorten common pairs");
        Assert.All(ids, id => Assert.InRange(id, 0, ReferenceDecoderModel.Vocab - 1));
        Assert.Equal([tokenizer.Special[ReferenceTokenizer.EndToken]], tokenizer.Encode(ReferenceTokenizer.EndToken));
    }

}
