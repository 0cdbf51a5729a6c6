using StreamVision.Cache.Kv;

namespace StreamVision.Pipelines.VideoLlm;

/// <summary>How to pick tokens.</summary>
/// <param name="Temperature">0 picks the most likely token (greedy); above 0 samples from softmax(logits / temperature).</param>
/// <param name="Seed">Sampling seed, so a run can be repeated.</param>
public sealed record GenerationOptions(int MaxTokens, IReadOnlySet<long> StopTokens, float Temperature = 0, int Seed = 0);

/// <summary>What came out: the tokens (stop token excluded) and why generation ended.</summary>
public sealed record Generation(IReadOnlyList<long> Tokens, bool Stopped, long NextPosition);

/// <summary>
/// The generation loop, ours rather than a library's, so the KV cache it extends is the multimodal
/// cache's: the prompt's embeddings are run once (prefill), then one token at a time, each step
/// attending to the whole <see cref="DecoderPast"/> and appending its own keys and values to it.
/// </summary>
public static class Generator
{
    /// <param name="past">Earlier context, extended in place with the prompt's and the generated
    /// tokens' KV (a question's own copy: its growth is counted in that copy's budget).</param>
    public static Generation Generate(DecoderSession decoder, TokenEmbedder embedder, ReadOnlySpan<float> prompt, int promptTokens,
        DecoderPast past, long firstPosition, GenerationOptions options)
    {
        past.Reserve(promptTokens + options.MaxTokens);
        var step = decoder.Run(prompt, promptTokens, past, TokenKind.Text, firstPosition);
        past.Append(step.Kv);
        var position = firstPosition + promptTokens;
        var random = new Random(options.Seed);
        var tokens = new List<long>();
        while (tokens.Count < options.MaxTokens)
        {
            var next = Pick(step.Last(decoder.Vocab), options.Temperature, random);
            if (options.StopTokens.Contains(next))
            {
                return new Generation(tokens, true, position);
            }
            tokens.Add(next);
            if (tokens.Count == options.MaxTokens)
            {
                break;
            }
            step = decoder.Run(embedder.Embed([next]), 1, past, TokenKind.Text, position++);
            past.Append(step.Kv);
        }
        return new Generation(tokens, false, position);
    }

    /// <summary>Generation over <paramref name="context"/> blocks read into a past of its own
    /// (unbounded: the reference path tests compare with).</summary>
    public static Generation Generate(DecoderSession decoder, TokenEmbedder embedder, ReadOnlySpan<float> prompt, int promptTokens,
        IReadOnlyList<KvBlock> context, long firstPosition, GenerationOptions options)
    {
        using var past = new DecoderPast(decoder.Layout, new Cache.ByteBudget("generation", long.MaxValue));
        past.Sync(context);
        return Generate(decoder, embedder, prompt, promptTokens, past, firstPosition, options);
    }

    public static long Pick(ReadOnlySpan<float> logits, float temperature, Random random)
    {
        if (temperature <= 0)
        {
            var best = 0;
            for (var i = 1; i < logits.Length; i++)
            {
                if (logits[i] > logits[best])
                {
                    best = i;
                }
            }
            return best;
        }
        var max = float.MinValue;
        foreach (var l in logits)
        {
            max = Math.Max(max, l);
        }
        var rented = System.Buffers.ArrayPool<double>.Shared.Rent(logits.Length); // a real vocabulary is too big for the stack
        var weights = rented.AsSpan(0, logits.Length);
        double sum = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            weights[i] = Math.Exp((logits[i] - max) / temperature);
            sum += weights[i];
        }
        var r = random.NextDouble() * sum;
        try
        {
            for (var i = 0; i < logits.Length; i++)
            {
                r -= weights[i];
                if (r <= 0)
                {
                    return i;
                }
            }
            return logits.Length - 1;
        }
        finally
        {
            System.Buffers.ArrayPool<double>.Shared.Return(rented);
        }
    }
}
