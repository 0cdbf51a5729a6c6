using StreamVision.Host.Config;
using StreamVision.Host.Hosting;

namespace StreamVision.Benchmarks;

/// <param name="Drift">Largest distance of a sample after warm-up from their median, as a fraction of
/// the median: single samples swing with the GC's sawtooth.</param>
/// <param name="Trend">Median of the last third of the samples after warm-up ÷ median of the first
/// third, minus 1: growth over the run (goal within ±0.05).</param>
public sealed record MemoryDrift(string What, long Median, long Min, long Max, double Drift, double Trend);

/// <param name="Frames">Frames every stage processed, summed over stages.</param>
/// <param name="AllocatedBytesPerFrame">Managed bytes allocated per camera frame after warm-up
/// (every stage, encoding and publishing included).</param>
/// <param name="AllocatedPerStage">Managed bytes each stage allocated per frame it processed (whole run).</param>
/// <param name="SinkAllocatedPerResult">Managed bytes per result for encoding and publishing it (whole run).</param>
public sealed record SoakReport(
    string Source, double Minutes, double WarmUpMinutes, IReadOnlyList<string> Stages, IReadOnlyDictionary<string, long> ProcessedPerStage,
    long CameraFrames, long Reconnects, double AllocatedBytesPerFrame, IReadOnlyDictionary<string, double> AllocatedPerStage, double SinkAllocatedPerResult,
    IReadOnlyList<MemoryDrift> Memory, IReadOnlyList<ResourceSample> Samples, string Plot)
{
    public string ToMarkdown() => string.Join('\n', new[]
    {
        $"soak: {Source}, {Minutes:0.#} min, stages {string.Join(", ", Stages)} (warm-up {WarmUpMinutes:0.#} min excluded)",
        "| measured | median | min | max | largest sample off the median | last third ÷ first third (goal within ±5 %) |",
        "|---|---|---|---|---|---|",
    }.Concat(Memory.Select(m => $"| {m.What} | {Units.Bytes(m.Median)} | {Units.Bytes(m.Min)} | {Units.Bytes(m.Max)} | {m.Drift * 100:0.0} % | {m.Trend * 100:+0.0;-0.0} % |"))
     .Append($"camera frames {CameraFrames}, reconnects {Reconnects}; processed per stage: {string.Join(", ", ProcessedPerStage.Select(p => $"{p.Key} {p.Value}"))}")
     .Append($"managed bytes allocated per camera frame after warm-up (all stages, encoding, MQTT): {AllocatedBytesPerFrame:0}")
     .Append($"of which, per frame: {string.Join(", ", AllocatedPerStage.Select(p => $"{p.Key} {p.Value:0}"))}; encoding + publishing {SinkAllocatedPerResult:0} per result")) + "\n";
}

/// <summary>
/// A long run with every stage on (generated test models, the built-in flow, the VideoLLM with its
/// memory) over a live source and the embedded MQTT broker, sampling the process's resident set
/// and managed heap: after warm-up both must stay flat — pooled frames and tensors, bounded queues
/// and a byte-budgeted VideoLLM memory leave nothing to grow.
/// </summary>
public static class SoakBenchmark
{
    public static async Task<SoakReport> RunAsync(ServiceConfig config, string source, TimeSpan duration, string outputDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(outputDirectory);
        var live = source.Contains("://", StringComparison.Ordinal);
        config.Cameras.Clear();
        config.Cameras.Add(new CameraConfig { Id = "soak", Url = live ? source : Path.GetFullPath(source), Realtime = true, Loop = !live });
        var s = config.Stages;
        s.Segmentation.Enabled = s.Depth.Enabled = s.Flow.Enabled = s.SemDepth.Enabled = s.Body.Enabled = s.VideoLlm.Enabled = true;
        s.Flow.Engine = FlowEngine.Dis;
        // Detection's default model is a real one; it runs when a models folder has it.
        s.Detection.Enabled = ModelCatalog.AllManifests(config).FirstOrDefault(m => m.Id == s.Detection.Model) is { } detector
            && ModelCatalog.InstalledFile(detector, config) is not null;
        s.VideoLlm.NarrationIntervalSeconds = 5;

        var sampleEvery = TimeSpan.FromSeconds(Math.Clamp(duration.TotalSeconds / 300, 0.5, 10));
        await using var service = await BenchService.StartAsync(config, "segmentation", cancellationToken).ConfigureAwait(false);
        var sampler = new ResourceSampler(sampleEvery);
        await service.RunForAsync(duration, cancellationToken).ConfigureAwait(false);
        await sampler.DisposeAsync().ConfigureAwait(false);
        var samples = sampler.Samples;
        var camera = service.Host.Pipeline.Sources.Single();
        var stats = service.Host.Pipeline.StageStats;

        // The resident set settles over the first minutes (the VideoLLM's memory filling its window and
        // text, allocator arenas): a quarter of the run, at most ten minutes, is left out.
        var warmUp = Math.Min(duration.TotalSeconds / 4, 600);
        var steady = samples.Where(x => x.At >= warmUp).ToList();
        if (steady.Count < 2)
        {
            steady = samples.ToList();
        }
        MemoryDrift Drift(string what, Func<ResourceSample, long> value)
        {
            var values = steady.Select(value).ToList();
            var median = (long)Statistics.Median(values.Select(v => (double)v));
            var third = Math.Max(1, values.Count / 3);
            var first = Statistics.Median(values.Take(third).Select(v => (double)v));
            var last = Statistics.Median(values.TakeLast(third).Select(v => (double)v));
            return new MemoryDrift(what, median, values.Min(), values.Max(), values.Max(v => Math.Abs(v - median)) / (double)Math.Max(1, median), last / Math.Max(1, first) - 1);
        }
        // Frames decoded after warm-up, estimated from the average rate (the source counts only totals).
        var framesAfterWarmUp = camera.Stats.Decoded * (steady[^1].At - steady[0].At) / Math.Max(1e-9, samples[^1].At);
        var plot = Path.Combine(outputDirectory, "soak-memory.png");
        LinePlot.Write(plot, "memory over the soak run (every stage on)", "minutes",
        [
            new PlotSeries("resident set (RSS)", samples.Select(x => (x.At / 60, (double)x.ResidentBytes)).ToList()),
            new PlotSeries("managed heap", samples.Select(x => (x.At / 60, (double)x.ManagedHeapBytes)).ToList()),
        ], format: Units.Bytes);
        return new SoakReport(source, samples[^1].At / 60, warmUp / 60,
            service.Host.Stages.Select(f => f.Name).ToList(),
            stats.GroupBy(x => x.Stage).ToDictionary(g => g.Key, g => g.Sum(x => x.Processed)),
            camera.Stats.Decoded, camera.Stats.Reconnects,
            (steady[^1].AllocatedBytes - steady[0].AllocatedBytes) / Math.Max(1, framesAfterWarmUp),
            stats.GroupBy(x => x.Stage).ToDictionary(g => g.Key, g => g.Sum(x => x.AllocatedBytes) / (double)Math.Max(1, g.Sum(x => x.Processed))),
            service.Host.Router.SinkAllocatedBytes / (double)Math.Max(1, service.Host.Router.Routed),
            [Drift("resident set (RSS)", x => x.ResidentBytes), Drift("managed heap", x => x.ManagedHeapBytes)],
            samples, plot);
    }
}
