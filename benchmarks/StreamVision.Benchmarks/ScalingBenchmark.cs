using StreamVision.Host.Config;

namespace StreamVision.Benchmarks;

/// <param name="OfferedFps">Frames all cameras offered per second.</param>
/// <param name="ProcessedFps">Frames the stage finished per second, all cameras together.</param>
/// <param name="AgeP50Ms">Median over the cameras of each camera's median frame age at the subscriber.</param>
/// <param name="WorstAgeP99Ms">The worst camera's 99th-percentile frame age.</param>
public sealed record ScalingStep(int Cameras, double Seconds, double OfferedFps, double ProcessedFps, long Dropped, double AgeP50Ms, double WorstAgeP99Ms);

public sealed record ScalingReport(string Clip, string Model, int BatchSize, IReadOnlyList<ScalingStep> Steps, IReadOnlyList<string> Plots)
{
    public string ToMarkdown() => string.Join('\n', new[]
    {
        $"scaling: {Path.GetFileName(Clip)} as every camera (looped, real time), model {Model}, batch {BatchSize}",
        "| cameras | offered fps | processed fps | processed ÷ 1 camera | dropped | frame age p50 | worst camera p99 |",
        "|---|---|---|---|---|---|---|",
    }.Concat(Steps.Select(s => $"| {s.Cameras} | {s.OfferedFps:0.0} | {s.ProcessedFps:0.0} | {s.ProcessedFps / Steps[0].ProcessedFps:0.00} | {s.Dropped} | {s.AgeP50Ms:0} ms | {s.WorstAgeP99Ms:0} ms |"))) + "\n";
}

/// <summary>
/// 1, 2, 4, 8 … cameras on one service, each the same clip played in real time: total throughput
/// and per-camera frame age. While the machine keeps up, throughput grows with the cameras and
/// age stays put; past that, throughput levels off and the stages drop frames instead of letting
/// age grow.
/// </summary>
public static class ScalingBenchmark
{
    private const double WarmUpSeconds = 5;

    public static async Task<ScalingReport> RunAsync(ServiceConfig template, string clip, IReadOnlyList<int> cameraCounts, TimeSpan stepDuration, string outputDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(outputDirectory);
        var steps = new List<ScalingStep>();
        foreach (var count in cameraCounts)
        {
            var config = new ServiceConfig();
            config.Models = template.Models;
            config.Stages.Segmentation = template.Stages.Segmentation;
            config.Stages.Segmentation.Enabled = true;
            for (var i = 0; i < count; i++)
            {
                config.Cameras.Add(new CameraConfig { Id = $"cam{i + 1:00}", Url = Path.GetFullPath(clip), Realtime = true, Loop = true });
            }
            await using var service = await BenchService.StartAsync(config, "segmentation", cancellationToken).ConfigureAwait(false);
            var sources = service.Host.Pipeline.Sources;
            var stages = service.Host.Pipeline.StageStats;
            (long Decoded, long Processed, long Dropped) Counts() => (sources.Sum(s => s.Stats.Decoded), stages.Sum(s => s.Processed), stages.Sum(s => s.Dropped));

            // Rates and ages are taken after a warm-up (sessions' first runs, cameras opening), over the rest of the step.
            var warmUp = TimeSpan.FromSeconds(Math.Min(WarmUpSeconds, stepDuration.TotalSeconds / 4));
            await service.RunForAsync(warmUp, cancellationToken).ConfigureAwait(false);
            var started = service.Probe.Elapsed;
            var before = Counts();
            await service.RunForAsync(stepDuration - warmUp, cancellationToken).ConfigureAwait(false);
            var after = Counts();
            var seconds = service.Probe.Elapsed - started;
            var perCamera = service.Probe.Arrivals.Where(a => a.At >= started).GroupBy(a => a.Camera).ToList();
            steps.Add(new ScalingStep(count, seconds,
                (after.Decoded - before.Decoded) / seconds,
                (after.Processed - before.Processed) / seconds,
                after.Dropped - before.Dropped,
                Statistics.Median(perCamera.Select(c => Statistics.Median(c.Select(a => a.AgeMs)))),
                perCamera.Count == 0 ? double.NaN : perCamera.Max(c => Statistics.Percentile(c.Select(a => a.AgeMs), 0.99))));
        }
        var throughput = Path.Combine(outputDirectory, "scaling-throughput.png");
        LinePlot.Write(throughput, "frames per second, all cameras together", "cameras",
        [
            new PlotSeries("processed fps", steps.Select(s => ((double)s.Cameras, s.ProcessedFps)).ToList()),
            new PlotSeries("offered fps", steps.Select(s => ((double)s.Cameras, s.OfferedFps)).ToList()),
        ]);
        var age = Path.Combine(outputDirectory, "scaling-age.png");
        LinePlot.Write(age, "frame age at the subscriber (ms)", "cameras",
        [
            new PlotSeries("worst camera p99", steps.Select(s => ((double)s.Cameras, s.WorstAgeP99Ms)).ToList()),
            new PlotSeries("median camera p50", steps.Select(s => ((double)s.Cameras, s.AgeP50Ms)).ToList()),
        ]);
        return new ScalingReport(clip, template.Stages.Segmentation.Model, template.Stages.Segmentation.Batch.Size, steps, [throughput, age]);
    }
}
