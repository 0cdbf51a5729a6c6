using System.Diagnostics;
using OpenCvSharp;
using StreamVision.Cache;
using StreamVision.Cache.Kv;
using StreamVision.Cache.Multimodal;
using StreamVision.Ingest.Sources;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.VideoLlm;

namespace StreamVision.Host.Benchmarks;

public sealed record RatePair(string What, double Value, string Unit, string Baseline, double BaselineValue, double Ratio);

public sealed record MemoryCurve(string Name, IReadOnlyList<(double Minutes, long Bytes, int Tokens)> Points);

public sealed record VideoLlmBenchmarkReport(string Model, IReadOnlyList<RatePair> Rates, IReadOnlyList<MemoryCurve> Memory, string Plot)
{
    public string ToMarkdown() => string.Join('\n', new[]
    {
        $"videollm benchmark: {Model}",
        "| measured | value | baseline (same run) | baseline value | ratio |",
        "|---|---|---|---|---|",
    }.Concat(Rates.Select(r => $"| {r.What} | {r.Value:0.0} {r.Unit} | {r.Baseline} | {r.BaselineValue:0.0} {r.Unit} | {r.Ratio:0.00} |"))
     .Append("| memory after the stream | bytes held | tokens held |  |  |")
     .Concat(Memory.Select(c => $"| {c.Name} ({c.Points[^1].Minutes:0} min) | {c.Points[^1].Bytes / 1024.0:0} KiB | {c.Points[^1].Tokens} |  |  |"))) + "\n";
}

/// <summary>
/// The VideoLLM's costs on this machine, each against a baseline measured in the same run:
/// frames appended to the memory per second (vision encoding, the visual tokens' KV, the cache)
/// against vision encoding alone; dialogue tokens per second with a full memory against an empty
/// one; and bytes held as a simulated stream grows — keeping every visual token, keeping a visual
/// window and verbalizing the rest, and that plus the budget policies — as JSON and a PNG plot.
/// </summary>
public static class VideoLlmBenchmark
{
    public static async Task<VideoLlmBenchmarkReport> RunAsync(ModelManifest manifest, IReadOnlyList<string> searchPaths, int frames, int answerTokens, double minutes, string outputDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(outputDirectory);
        using var model = new VideoLlmModel(manifest, searchPaths);
        var rates = new List<RatePair>();

        // Appending frames vs encoding them only, on the same synthetic frames.
        var settings = new VideoLlmSettings(1000, TimeSpan.Zero, TimeSpan.FromSeconds(10), ByteBudget.DefaultLimitBytes, new ByteBudget("bench", ByteBudget.DefaultLimitBytes), answerTokens);
        var factory = new VideoLlmStageFactory(model, settings, _ => FrameFacts.None);
        var stage = factory.Create("bench");
        var preprocessor = model.CreatePreprocessor();
        var pixels = new float[model.PixelCount];
        double appendSeconds = 0, encodeSeconds = 0;
        using (var source = new Ingest.Sources.FrameSource(new SourceOptions("bench", $"synthetic://p?width=320&height=180&fps=15&frames={frames}", Realtime: false)))
        {
            source.Open();
            await source.RunAsync(frame =>
            {
                var clock = Stopwatch.StartNew();
                model.EncodeFrame(frame, preprocessor, pixels);
                encodeSeconds += clock.Elapsed.TotalSeconds;
                clock.Restart();
                stage.Process(frame);
                appendSeconds += clock.Elapsed.TotalSeconds;
                frame.Release();
                return ValueTask.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
        }
        rates.Add(new RatePair("frames appended to the memory", frames / appendSeconds, "frames/s", "vision encoding only", frames / encodeSeconds, encodeSeconds / appendSeconds));

        // Dialogue with the memory just built vs with an empty one.
        double Tokens(Func<Answer> ask)
        {
            var clock = Stopwatch.StartNew();
            var answer = ask();
            return model.Tokenizer.Encode(answer.Text).Length / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
        }
        Answer Ask(VideoLlmStageFactory f, string camera)
        {
            using var done = new ManualResetEventSlim();
            Answer? result = null;
            f.Ask(camera, "What happened?", a => { result = a; done.Set(); });
            done.Wait(cancellationToken);
            return result!;
        }
        var full = Tokens(() => Ask(factory, "bench"));
        var empty = factory.Create("empty");
        var none = Tokens(() => Ask(factory, "empty"));
        empty.Dispose();
        stage.Dispose();
        rates.Add(new RatePair($"answer tokens with {frames} frames in memory", full, "tokens/s", "answer tokens with an empty memory", none, full / none));

        var memory = SimulateMemory(model.Layout, model.TokensPerFrame, model.Hidden, minutes);
        var plot = Path.Combine(outputDirectory, "videollm-memory.png");
        Plot(memory, plot);
        return new VideoLlmBenchmarkReport(model.Id, rates, memory, plot);
    }

    /// <summary>Bytes held over a simulated stream at 2 fps, sampled every simulated 30 s.</summary>
    public static IReadOnlyList<MemoryCurve> SimulateMemory(KvLayout layout, int tokensPerFrame, int hidden, double minutes)
    {
        var random = new Random(5);
        var frames = (int)(minutes * 60 * 2);
        var configurations = new (string Name, TimeSpan Window, long Budget, IReadOnlyList<CachePolicy> Policies)[]
        {
            ("every visual token kept", TimeSpan.FromDays(1), long.MaxValue / 4, []),
            ("10 s visual window + verbalized text", TimeSpan.FromSeconds(10), long.MaxValue / 4, []),
            ("window + text + policies, 24 KiB budget", TimeSpan.FromSeconds(10), 24 * 1024, [CachePolicy.Quantize, CachePolicy.Evict, CachePolicy.Offload]),
        };
        var curves = new List<MemoryCurve>();
        foreach (var (name, window, budgetBytes, policies) in configurations)
        {
            var options = new CacheOptions(window, tokensPerFrame, hidden, layout) { Policies = policies, ProtectedRecentTokens = 16 };
            using var cache = new MultimodalCache(options, new ByteBudget(name, budgetBytes), new StructuredVerbalizer(), text => (text.Length + 3) / 4);
            var points = new List<(double, long, int)>();
            var persons = 1;
            for (var i = 0; i < frames; i++)
            {
                if (random.NextDouble() < 1 / 60.0)
                {
                    persons = Math.Clamp(persons + random.Next(-1, 2), 0, 4);
                }
                var matrices = Enumerable.Range(0, layout.VectorsPerToken).Select(_ => Enumerable.Range(0, tokensPerFrame * layout.HeadDim).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
                var kv = new KvBlock(layout, TokenKind.Visual, Enumerable.Range(0, tokensPerFrame).Select(t => (long)(i * tokensPerFrame + t)).ToList(), matrices);
                kv.Scores.AsSpan().Fill((float)random.NextDouble());
                cache.AppendFrame(i / 2.0, new FrameFacts(new Dictionary<string, string> { ["persons"] = persons.ToString(System.Globalization.CultureInfo.InvariantCulture) }), kv);
                if (i % 60 == 0 || i == frames - 1)
                {
                    points.Add((i / 120.0, cache.BytesHeld, cache.TokensHeld));
                }
            }
            curves.Add(new MemoryCurve(name, points));
        }
        return curves;
    }

    private static void Plot(IReadOnlyList<MemoryCurve> curves, string path) => LinePlot.Write(path,
        "bytes held vs stream length (2 fps)", "minutes of stream",
        curves.Select(c => new PlotSeries(c.Name, c.Points.Select(p => (p.Minutes, (double)p.Bytes)).ToList())).ToList(),
        logY: true, format: Units.Bytes, yFloor: 1024); // the bounded curves are thousands of times below the unbounded one
}
