using System.Diagnostics;
using System.Globalization;
using StreamVision.Ingest.Sources;

namespace StreamVision.Benchmarks;

/// <summary>One measured configuration: frames decoded per second (median of the repetitions).</summary>
public sealed record DecodeMeasurement(string Name, string Description, double FramesPerSecond, IReadOnlyList<double> Runs);

public sealed record DecodeBenchmarkReport(string Clip, int Threads, long Frames, IReadOnlyList<DecodeMeasurement> Measurements, double RatioToFfmpeg, double RatioToFfmpegBgr)
{
    public string ToMarkdown() => string.Join('\n', new[]
    {
        $"decode benchmark: {Path.GetFileName(Clip)}, {Frames} frames, {Threads} thread(s), median of {Measurements[0].Runs.Count}",
        "| decoder | fps | runs |",
        "|---|---|---|",
    }.Concat(Measurements.Select(m => $"| {m.Description} | {m.FramesPerSecond:0.0} | {string.Join(", ", m.Runs.Select(r => r.ToString("0.0")))} |"))
     .Append($"ratio streamvision / ffmpeg: {RatioToFfmpeg:0.00}; streamvision / ffmpeg-bgr24: {RatioToFfmpegBgr:0.00}")) + "\n";
}

/// <summary>
/// Decode throughput of our file source (pooled frames, BGR24, timestamps) against the ffmpeg
/// program decoding the same clip with the same thread count, measured in the same run so the
/// ratio is meaningful on a shared, noisy machine. Two baselines: `-f null` (decode only, the
/// usual yardstick) and `-pix_fmt bgr24 -f null` (decode plus the colour conversion we also do).
/// </summary>
public static class DecodeBenchmark
{
    public static async Task<DecodeBenchmarkReport> RunAsync(string clip, int threads, int repeat, string ffmpeg, CancellationToken cancellationToken)
    {
        long frames = 0;
        var ours = new List<double>();
        var plain = new List<double>();
        var bgr = new List<double>();
        for (var i = 0; i < repeat; i++)
        {
            // Interleave the three so drift in machine load hits them alike.
            var (count, seconds) = await OurSourceAsync(clip, threads, cancellationToken);
            frames = count;
            ours.Add(count / seconds);
            plain.Add(count / await FfmpegSecondsAsync(ffmpeg, clip, threads, bgr: false, cancellationToken));
            bgr.Add(count / await FfmpegSecondsAsync(ffmpeg, clip, threads, bgr: true, cancellationToken));
        }
        var measurements = new List<DecodeMeasurement>
        {
            new("streamvision", "FrameSource: OpenCV/FFmpeg decode into pooled BGR24 frames with timestamps", Statistics.Median(ours), ours),
            new("ffmpeg", $"ffmpeg -threads {threads} -i CLIP -f null -", Statistics.Median(plain), plain),
            new("ffmpeg-bgr24", $"ffmpeg -threads {threads} -i CLIP -pix_fmt bgr24 -f null -", Statistics.Median(bgr), bgr),
        };
        return new DecodeBenchmarkReport(clip, threads, frames, measurements, measurements[0].FramesPerSecond / measurements[1].FramesPerSecond, measurements[0].FramesPerSecond / measurements[2].FramesPerSecond);
    }

    private static async Task<(long Frames, double Seconds)> OurSourceAsync(string clip, int threads, CancellationToken cancellationToken)
    {
        using var source = new FrameSource(new SourceOptions("bench", clip, Realtime: false) { DecodeThreads = threads, PoolCapacity = 4 });
        var clock = Stopwatch.StartNew();
        source.Open();
        long count = 0;
        await source.RunAsync(frame =>
        {
            count++;
            frame.Release();
            return ValueTask.CompletedTask;
        }, cancellationToken);
        return (count, clock.Elapsed.TotalSeconds);
    }

    private static async Task<double> FfmpegSecondsAsync(string ffmpeg, string clip, int threads, bool bgr, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(ffmpeg) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-hide_banner", "-nostdin", "-loglevel", "error", "-threads", threads.ToString(CultureInfo.InvariantCulture), "-i", clip, "-an" })
        {
            start.ArgumentList.Add(a);
        }
        if (bgr)
        {
            start.ArgumentList.Add("-pix_fmt");
            start.ArgumentList.Add("bgr24");
        }
        foreach (var a in new[] { "-f", "null", "-" })
        {
            start.ArgumentList.Add(a);
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {ffmpeg}");
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{ffmpeg} failed on {clip}: {await errors}");
        }
        return clock.Elapsed.TotalSeconds;
    }
}
