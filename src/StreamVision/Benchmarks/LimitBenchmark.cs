using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Ingest.Sources;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.Preprocessing;

namespace StreamVision.Host.Benchmarks;

public sealed record LimitMeasurement(string Name, string Description, double FramesPerSecond, IReadOnlyList<double> Runs);

/// <param name="Efficiency">Pipeline throughput ÷ the slower of decoding and the model alone (goal ≥ 0.95).</param>
public sealed record LimitBenchmarkReport(string Clip, string Model, long Frames, IReadOnlyList<LimitMeasurement> Measurements, double Efficiency);

/// <summary>
/// The pipeline against its physical limit, in one run: decoding alone (our file source), the
/// model alone (pre-processing once, then session runs on the same tensor), and the whole batch
/// pipeline on the same clip (decode → pre-process → run → post-process → JSON + mask files).
/// A pipeline that overlaps its stages well runs at the speed of its slowest part.
/// </summary>
public static class LimitBenchmark
{
    public static async Task<LimitBenchmarkReport> RunAsync(ServiceConfig config, string clip, int repeat, CancellationToken cancellationToken)
    {
        var decode = new List<double>();
        var model = new List<double>();
        var pipeline = new List<double>();
        long frames = 0;
        var manifest = ModelCatalog.LoadManifest(config.Stages.Segmentation.Model, config, "--model");
        using var onnx = OnnxModel.Load(manifest, ModelCatalog.SearchPaths(config), config.Stages.Segmentation.Threads);
        for (var i = 0; i < repeat; i++)
        {
            // Interleaved, so drift in the machine's load hits all three alike.
            var (count, seconds) = await DecodeAsync(clip, cancellationToken).ConfigureAwait(false);
            frames = count;
            decode.Add(count / seconds);
            model.Add(ModelOnly(onnx, (int)Math.Min(count, 200)));
            pipeline.Add(await PipelineAsync(config, clip, cancellationToken).ConfigureAwait(false));
        }
        var measurements = new List<LimitMeasurement>
        {
            new("decode", "file source: decode into pooled BGR24 frames", Median(decode), decode),
            new("model", $"{manifest.Id}: session.Run on one pre-processed tensor", Median(model), model),
            new("pipeline", "batch pipeline: decode → stage → JSON + mask PNG files", Median(pipeline), pipeline),
        };
        var limit = Math.Min(measurements[0].FramesPerSecond, measurements[1].FramesPerSecond);
        return new LimitBenchmarkReport(clip, manifest.Id, frames, measurements, measurements[2].FramesPerSecond / limit);
    }

    private static async Task<(long Frames, double Seconds)> DecodeAsync(string clip, CancellationToken cancellationToken)
    {
        using var source = new FrameSource(new SourceOptions("limit", clip, Realtime: false));
        source.Open();
        long count = 0;
        var clock = Stopwatch.StartNew();
        await source.RunAsync(frame =>
        {
            count++;
            frame.Release();
            return ValueTask.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        return (count, clock.Elapsed.TotalSeconds);
    }

    private static double ModelOnly(OnnxModel model, int runs)
    {
        using var buffers = model.CreateBuffers();
        model.Run(buffers); // warm
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < runs; i++)
        {
            model.Run(buffers);
        }
        return runs / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> PipelineAsync(ServiceConfig config, string clip, CancellationToken cancellationToken)
    {
        var output = Path.Combine(Path.GetTempPath(), "sv-limit-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var job = new BatchJob(config, output, NullLoggerFactory.Instance);
            var clock = Stopwatch.StartNew();
            var reports = await job.RunAsync([clip], null, null, cancellationToken).ConfigureAwait(false);
            return reports.Sum(r => r.Results) / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
