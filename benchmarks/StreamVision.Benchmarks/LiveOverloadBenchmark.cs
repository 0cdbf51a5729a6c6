using StreamVision.Host.Config;

namespace StreamVision.Benchmarks;

/// <param name="At">Start of the window, seconds into the run.</param>
public sealed record AgeWindow(double At, int Frames, double P50Ms, double P99Ms);

/// <param name="ServiceMs">Stage time per frame measured by the stage's own counters during the run.</param>
/// <param name="Overload">Frames the camera offered per second ÷ frames the stage can take per second.</param>
/// <param name="P99OverService">Frame age p99 ÷ service time (goal ≤ 1.5: at most one arrival interval of waiting plus the frame's own service).</param>
/// <param name="Growth">p99 of the last third of the windows ÷ p99 of the first third (flat is 1).</param>
public sealed record LiveOverloadReport(
    string Clip, string Model, double Seconds, double CalibratedServiceMs, double ServiceMs, double AskedSourceFps, double SourceFps,
    double ProcessedFps, double Overload, long Offered, long Processed, long Dropped, long Delivered,
    double P50Ms, double P99Ms, double ServiceP99Ms, double P99OverService, double Growth, IReadOnlyList<AgeWindow> Windows, string Plot)
{
    public string ToMarkdown() => string.Join('\n',
        $"live overload: {Path.GetFileName(Clip)} looped as a live camera, model {Model}, {Seconds / 60:0.#} min",
        "| measured | value |",
        "|---|---|",
        $"| stage service time (stage counters; calibration {CalibratedServiceMs:0.0} ms) | {ServiceMs:0.0} ms |",
        $"| camera rate (asked {AskedSourceFps:0.0}) | {SourceFps:0.0} fps |",
        $"| stage rate | {ProcessedFps:0.0} fps |",
        $"| overload (camera ÷ stage) | {Overload:0.00}× |",
        $"| frames offered / processed / dropped / delivered to the subscriber | {Offered} / {Processed} / {Dropped} / {Delivered} |",
        $"| frame age at the subscriber p50 / p99 (after 10 s warm-up) | {P50Ms:0} / {P99Ms:0} ms |",
        $"| the stage's own time per frame p99 (processing_ms) | {ServiceP99Ms:0.0} ms |",
        $"| p99 ÷ service time (goal ≤ 1.5) | {P99OverService:0.00} |",
        $"| p99 last third ÷ first third (flat = 1) | {Growth:0.00} |",
        "") + "\n";
}

/// <summary>
/// A camera offering frames faster than the stage can take them (default twice as fast) for a long
/// run: the stage must drop the oldest frames, not queue them, so the age of what subscribers
/// receive stays at about one service time plus one arrival interval, and stays flat.
/// </summary>
public static class LiveOverloadBenchmark
{
    private const double WarmUpSeconds = 10;

    public static async Task<LiveOverloadReport> RunAsync(ServiceConfig config, string clip, double overload, TimeSpan duration, string outputDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(outputDirectory);
        var calibrated = await ClipSample.StageMillisecondsAsync(config, clip, cancellationToken).ConfigureAwait(false);
        double clipFps;
        using (var sample = await ClipSample.TakeAsync(clip, 0, cancellationToken).ConfigureAwait(false))
        {
            clipFps = sample.Format.FramesPerSecond;
        }
        var asked = overload * 1000 / calibrated;
        config.Cameras.Clear();
        config.Cameras.Add(new CameraConfig { Id = "overload", Url = Path.GetFullPath(clip), Realtime = true, Loop = true, Speed = asked / clipFps });
        config.Stages.Segmentation.Enabled = true;

        await using var service = await BenchService.StartAsync(config, "segmentation", cancellationToken).ConfigureAwait(false);
        var started = service.Probe.Elapsed;
        await service.RunForAsync(duration, cancellationToken).ConfigureAwait(false);
        var seconds = service.Probe.Elapsed - started;
        var source = service.Host.Pipeline.Sources.Single();
        var stage = service.Host.Pipeline.StageStats.Single();
        var offered = source.Stats.Decoded;
        var processed = stage.Processed;
        var serviceMs = stage.Busy.TotalMilliseconds / Math.Max(1, processed);
        var arrivals = service.Probe.Arrivals.Where(a => a.At - started >= Math.Min(WarmUpSeconds, seconds / 4)).ToList();

        var windowSeconds = Math.Clamp(seconds / 60, 1, 10);
        var windows = arrivals.GroupBy(a => Math.Floor((a.At - started) / windowSeconds))
            .OrderBy(g => g.Key)
            .Select(g => new AgeWindow(g.Key * windowSeconds, g.Count(), Statistics.Median(g.Select(a => a.AgeMs)), Statistics.Percentile(g.Select(a => a.AgeMs), 0.99)))
            .ToList();
        var third = Math.Max(1, windows.Count / 3);
        var growth = windows.Count == 0 ? double.NaN : windows.TakeLast(third).Average(w => w.P99Ms) / windows.Take(third).Average(w => w.P99Ms);
        var p99 = Statistics.Percentile(arrivals.Select(a => a.AgeMs), 0.99);

        var plot = Path.Combine(outputDirectory, "live-overload.png");
        LinePlot.Write(plot, $"frame age at the subscriber, camera {overload:0.#}x faster than the stage", "seconds",
        [
            new PlotSeries("p99 age (ms)", windows.Select(w => (w.At, w.P99Ms)).ToList()),
            new PlotSeries("p50 age (ms)", windows.Select(w => (w.At, w.P50Ms)).ToList()),
            new PlotSeries("1.5 x service time", windows.Select(w => (w.At, 1.5 * serviceMs)).ToList()),
        ]);
        return new LiveOverloadReport(clip, config.Stages.Segmentation.Model, seconds, calibrated, serviceMs, asked, offered / seconds,
            processed / seconds, offered / seconds / (processed / seconds), offered, processed, stage.Dropped, service.Probe.Arrivals.Count,
            Statistics.Median(arrivals.Select(a => a.AgeMs)), p99, Statistics.Percentile(arrivals.Select(a => a.ProcessingMs), 0.99), p99 / serviceMs, growth, windows, plot);
    }
}
