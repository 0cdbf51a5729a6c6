using System.Diagnostics;
using OpenCvSharp;
using StreamVision.Cache;
using StreamVision.Cache.Kv;
using StreamVision.Cache.Multimodal;
using StreamVision.Ingest.Sources;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.VideoLlm;

namespace StreamVision.Benchmarks;

public sealed record RatePair(string What, double Value, string Unit, string Baseline, double BaselineValue, double Ratio);

/// <summary>One sample of the running stage's memory at a point of the stream.</summary>
public sealed record MemorySample(double Minutes, long Counted, long Cache, long Past, long Answers, long HostTier, long DiskTier, long ResidentGrowth, int Tokens);

/// <summary>What the stage did over the stream.</summary>
/// <param name="FullBytesPerToken">Float32 bytes of one token's keys and values (all layers and heads).</param>
public sealed record StageRun(string Model, int TokensPerFrame, long FullBytesPerToken, double BudgetMb, double Minutes, long Frames, double IngestFps, int TokensHeldMax, long EveryVisualToken,
    long QuantizedBlocks, long EvictedTokens, long OffloadedBytes, long Rebases, long Refused, int Answers, double AnswerP50Ms, double AnswerP99Ms,
    long CountedPeak, long ResidentGrowthMax, IReadOnlyList<MemorySample> Samples);

public sealed record VideoLlmBenchmarkReport(string Model, IReadOnlyList<RatePair> Rates, StageRun Stage, string Plot)
{
    public string ToMarkdown() => string.Join('\n', new[]
    {
        $"videollm benchmark: {Model} (the whole stage: vision encoder, projector, decoder, cache, questions on their thread)",
        "| measured | value | baseline (same run) | baseline value | ratio |",
        "|---|---|---|---|---|",
    }.Concat(Rates.Select(r => $"| {r.What} | {r.Value:0.0} {r.Unit} | {r.Baseline} | {r.BaselineValue:0.0} {r.Unit} | {r.Ratio:0.00} |"))
     .Concat(
     [
        "",
        $"stage over {Stage.Minutes:0} minutes of stream at 2 fps, {Stage.BudgetMb:0.##} MiB camera budget ({Stage.Frames} frames, ingested at {Stage.IngestFps:0} frames/s):",
        "| tokens held (max) | every visual token | quantised blocks | evicted tokens | offloaded | re-bases | refused frames | answers | answer latency p50 / p99 while ingesting | counted peak | resident growth (max) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        $"| {Stage.TokensHeldMax} | {Stage.EveryVisualToken} ({Stage.EveryVisualToken / (double)Math.Max(1, Stage.TokensHeldMax):0}×) | {Stage.QuantizedBlocks} | {Stage.EvictedTokens} | {Units.Bytes(Stage.OffloadedBytes)} | {Stage.Rebases} | {Stage.Refused} | {Stage.Answers} | {Stage.AnswerP50Ms:0} / {Stage.AnswerP99Ms:0} ms | {Units.Bytes(Stage.CountedPeak)} | {Units.Bytes(Stage.ResidentGrowthMax)} |",
     ])) + "\n";
}

/// <summary>
/// The VideoLLM's costs on this machine, each against a baseline measured in the same run:
/// frames appended to the memory per second (vision encoding, the visual tokens' KV, the cache)
/// against vision encoding alone; dialogue tokens per second with a full memory against an empty
/// one; and the whole stage over a stream of the given length under a budget (<see cref="RunStageAsync"/>):
/// bytes per account and tier and the process's resident memory over stream time (PNG), tokens
/// held against every visual token, how often each policy fired, the ingest rate, and answer
/// latency while ingesting.
/// </summary>
public static class VideoLlmBenchmark
{
    public static async Task<VideoLlmBenchmarkReport> RunAsync(ModelManifest manifest, IReadOnlyList<string> searchPaths, int frames, int answerTokens, double minutes,
        double budgetMb, double offloadHostMb, double offloadDiskMb, string outputDirectory, CancellationToken cancellationToken)
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
        factory.Dispose();
        rates.Add(new RatePair($"answer tokens with {frames} frames in memory", full, "tokens/s", "answer tokens with an empty memory", none, full / none));

        var run = await RunStageAsync(manifest, searchPaths, minutes, budgetMb, offloadHostMb, offloadDiskMb, outputDirectory, answerTokens, cancellationToken).ConfigureAwait(false);
        var plot = Path.Combine(outputDirectory, "videollm-memory.png");
        Plot(run, plot);
        return new VideoLlmBenchmarkReport(model.Id, rates, run, plot);
    }

    /// <summary>
    /// The stage as the service runs it, over <paramref name="minutes"/> of a synthetic camera at
    /// 2 fps read as fast as it is taken: every frame kept as visual tokens (a window as long as
    /// the stream) under the budget, a question every simulated two minutes answered on its own
    /// thread while frames go on entering; every 30 s of stream the accounts, the offload tiers,
    /// the tokens held and this process's resident memory (from /proc) are sampled.
    /// </summary>
    public static async Task<StageRun> RunStageAsync(ModelManifest manifest, IReadOnlyList<string> searchPaths, double minutes, double budgetMb,
        double offloadHostMb, double offloadDiskMb, string outputDirectory, int answerTokens, CancellationToken cancellationToken)
    {
        const double mb = 1024 * 1024;
        var model = new VideoLlmModel(manifest, searchPaths);
        var frames = (long)(minutes * 60 * 2);
        var offloadFolder = Path.Combine(outputDirectory, "videollm-offload");
        var settings = new VideoLlmSettings(2, TimeSpan.Zero, TimeSpan.FromMinutes(minutes + 1), (long)(budgetMb * mb), new ByteBudget("bench", (long)(budgetMb * mb)), answerTokens,
            Offload: new OffloadSettings((long)(offloadHostMb * mb), offloadDiskMb > 0 ? offloadFolder : null, (long)(offloadDiskMb * mb)));
        using var factory = new VideoLlmStageFactory(model, settings, _ => FrameFacts.None);
        var stage = factory.Create("cam");
        var memory = factory.MemoryOf("cam")!;
        var cache = factory.CacheOf("cam")!;
        var samples = new List<MemorySample>();
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        var baseline = ResourceSampler.ResidentBytes();
        var tokensMax = 0;
        var clock = Stopwatch.StartNew();
        long ingested = 0;
        using (var source = new Ingest.Sources.FrameSource(new SourceOptions("cam", $"synthetic://p?width=320&height=180&fps=2&frames={frames}", Realtime: false)))
        {
            source.Open();
            await source.RunAsync(frame =>
            {
                stage.Process(frame);
                frame.Release();
                ingested++;
                if (ingested % 240 == 0)
                {
                    factory.Ask("cam", "What happened so far?", a => latencies.Add(a.Latency.TotalMilliseconds));
                }
                tokensMax = Math.Max(tokensMax, factory.TokensOf("cam"));
                if (ingested % 60 == 0 || ingested == frames)
                {
                    var tiers = memory.Offloaded.ToDictionary(t => t.Tier, t => t.Bytes);
                    samples.Add(new MemorySample(ingested / 120.0, memory.Camera.Held, memory.Cache.Held, memory.Past.Held, memory.Answers.Held, tiers["host"], tiers["disk"],
                        ResourceSampler.ResidentBytes() - baseline, factory.TokensOf("cam")));
                }
                return ValueTask.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (latencies.Count < frames / 240 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
        var run = new StageRun(model.Id, model.TokensPerFrame, model.Layout.FullBytesPerToken, budgetMb, minutes, frames, frames / seconds, tokensMax, frames * model.TokensPerFrame,
            cache.QuantizedBlocks, cache.EvictedTokens, cache.OffloadedBytes, factory.RebasesOf("cam"), factory.RefusalsOf("cam").Count,
            latencies.Count, latencies.IsEmpty ? 0 : Statistics.Median(latencies), latencies.IsEmpty ? 0 : Statistics.Percentile(latencies, 0.99),
            memory.Camera.Peak, samples.Count == 0 ? 0 : samples.Max(s => s.ResidentGrowth), samples);
        stage.Dispose();
        return run;
    }

    private static void Plot(StageRun run, string path) => LinePlot.Write(path,
        $"VideoLLM stage memory vs stream length ({run.Model}, {run.BudgetMb:0.##} MiB budget, 2 fps)", "minutes of stream",
        [
            new PlotSeries("counted (camera budget)", run.Samples.Select(p => (p.Minutes, (double)p.Counted)).ToList()),
            new PlotSeries("decoder past (float32)", run.Samples.Select(p => (p.Minutes, (double)p.Past)).ToList()),
            new PlotSeries("offloaded: host + disk", run.Samples.Select(p => (p.Minutes, (double)(p.HostTier + p.DiskTier))).ToList()),
            new PlotSeries("process resident growth", run.Samples.Select(p => (p.Minutes, (double)Math.Max(0, p.ResidentGrowth))).ToList()),
            new PlotSeries("every visual token kept (float32 KV + past, computed)", run.Samples.Select(p => (p.Minutes, p.Minutes * 120 * run.TokensPerFrame * 2.0 * run.FullBytesPerToken)).ToList()),
        ],
        logY: true, format: Units.Bytes, yFloor: 1024);
}
