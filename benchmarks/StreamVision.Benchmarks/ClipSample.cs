using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Ingest.Decoders;
using StreamVision.Ingest.Frames;
using StreamVision.Ingest.Sources;
using StreamVision.Pipelines.Graph;

namespace StreamVision.Benchmarks;

/// <summary>A decoded frame held past its source's run; disposing it releases the frame and then
/// its source, whose pool owns the frame's memory.</summary>
public sealed class ClipFrame(Frame frame, VideoFormat format, FrameSource source) : IDisposable
{
    public Frame Frame { get; } = frame;
    public VideoFormat Format { get; } = format;

    public void Dispose()
    {
        Frame.Release();
        source.Dispose();
    }
}

/// <summary>One decoded frame of a clip, held for measurements that repeat work on the same frame.</summary>
public static class ClipSample
{
    /// <summary>The clip's frame number <paramref name="index"/> and its format.</summary>
    public static async Task<ClipFrame> TakeAsync(string clip, int index, CancellationToken cancellationToken)
    {
        var source = new FrameSource(new SourceOptions("sample", clip, Realtime: false, MaxFrames: index + 1));
        try
        {
            source.Open();
            Frame? sample = null;
            long count = 0;
            await source.RunAsync(frame =>
            {
                if (count++ == index)
                {
                    frame.AddRef();
                    sample = frame;
                }
                frame.Release();
                return ValueTask.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
            return new ClipFrame(sample ?? throw new InvalidOperationException($"{clip} has fewer than {index + 1} frames."), source.Format!.Value, source);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>Median milliseconds the configured segmentation stage takes on one frame of the clip
    /// (pre-processing, inference, post-processing): the service time the live runs are sized by.</summary>
    public static async Task<double> StageMillisecondsAsync(ServiceConfig config, string clip, CancellationToken cancellationToken)
    {
        var only = new ServiceConfig { Models = config.Models, BaseDirectory = config.BaseDirectory };
        only.Stages.Segmentation = config.Stages.Segmentation;
        using var sample = await TakeAsync(clip, 10, cancellationToken).ConfigureAwait(false);
        var frame = sample.Frame;
        {
            using var factory = StageBuilder.Build(only, NullLogger.Instance).Single();
            using var stage = factory.Create("calibration");
            var times = new List<double>();
            for (var i = 0; i < 23; i++)
            {
                var started = Stopwatch.GetTimestamp();
                stage.Process(frame)?.Dispose();
                if (i >= 3)
                {
                    times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
            return Statistics.Median(times);
        }
    }
}
