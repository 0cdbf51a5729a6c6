using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Host.Results;
using StreamVision.Ingest.Frames;
using StreamVision.Ingest.Sources;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Preprocessing;

namespace StreamVision.Benchmarks;

/// <param name="AllocatedBytesPerFrame">Managed bytes allocated per frame by the part: exact for the
/// parts measured on one thread (decode, pre-process, model, stage, encode); for the pipeline, every
/// thread of the process while it ran.</param>
public sealed record LimitMeasurement(string Name, string Description, double FramesPerSecond, IReadOnlyList<double> Runs, double AllocatedBytesPerFrame)
{
    public double MillisecondsPerFrame => 1000 / FramesPerSecond;
}

/// <param name="Efficiency">Pipeline throughput ÷ the slower of decoding and the model alone (the issue's goal ≥ 0.95).</param>
/// <param name="SerialBound">Frames/s if every part ran one after the other on the whole machine
/// (1 / Σ seconds per frame of decode, stage and encode): what a pipeline whose parts each already
/// use every core can reach, short of overlapping them.</param>
public sealed record LimitBenchmarkReport(string Clip, string Model, long Frames, int Cores, IReadOnlyList<LimitMeasurement> Measurements, double Efficiency, double SerialBound)
{
    public LimitMeasurement Part(string name) => Measurements.Single(m => m.Name == name);

    public double PipelineOverSerialBound => Part("pipeline").FramesPerSecond / SerialBound;

    public string ToMarkdown() => string.Join('\n', new[]
    {
        $"limit benchmark: {Path.GetFileName(Clip)}, {Frames} frames, model {Model}, {Cores} cores, median of {Measurements[0].Runs.Count}",
        "| part | fps | ms/frame | allocated bytes/frame | runs (fps) |",
        "|---|---|---|---|---|",
    }.Concat(Measurements.Select(m => $"| {m.Description} | {m.FramesPerSecond:0.0} | {m.MillisecondsPerFrame:0.00} | {m.AllocatedBytesPerFrame:0} | {string.Join(", ", m.Runs.Select(r => r.ToString("0.0")))} |"))
     .Append($"pipeline / slowest part: {Efficiency:0.00} (goal 0.95)")
     .Append($"pipeline / serial bound (decode + stage + encode one after another, {SerialBound:0.0} fps): {PipelineOverSerialBound:0.00}")) + "\n";
}

/// <summary>
/// The pipeline against its physical limit, in one run: decoding alone (our file source), the
/// model alone (session runs on one pre-processed tensor), and the whole batch pipeline on the same
/// clip (decode → pre-process → run → post-process → JSON + mask files). In between, the stopwatch
/// breakdown of everything beyond the model on a frame of the clip — pre-processing, the stage's
/// own post-processing, result encoding — with the managed bytes each allocates per frame, which is
/// what to look at when the pipeline falls short.
/// </summary>
public static class LimitBenchmark
{
    private const int PartRuns = 200;
    private const int SteadyAfter = 50;

    public static async Task<LimitBenchmarkReport> RunAsync(ServiceConfig config, string clip, int repeat, CancellationToken cancellationToken)
    {
        config.Stages.Segmentation.Enabled = true;
        var runs = new Dictionary<string, List<double>>();
        var allocations = new Dictionary<string, List<double>>();
        void Add(string part, (double Fps, double BytesPerFrame) measured)
        {
            (runs.TryGetValue(part, out var r) ? r : runs[part] = []).Add(measured.Fps);
            (allocations.TryGetValue(part, out var a) ? a : allocations[part] = []).Add(measured.BytesPerFrame);
        }

        long frames = 0;
        var factory = (OnnxStageFactory)StageBuilder.Build(config, NullLogger.Instance).Single();
        using var stageFactory = factory;
        using var stage = factory.Create("limit");
        using var buffers = factory.Model.CreateBuffers();
        using var preprocessor = new TensorPreprocessor(factory.Model.Manifest.Input);
        var encoding = new ResultEncoding(config.Stages);
        for (var i = 0; i < repeat; i++)
        {
            // Interleaved, so drift in the machine's load hits every part alike.
            var (count, fps, bytes) = await DecodeAsync(clip, cancellationToken).ConfigureAwait(false);
            frames = count;
            Add("decode", (fps, bytes));
            using (var held = await ClipSample.TakeAsync(clip, 30, cancellationToken).ConfigureAwait(false))
            {
                var sample = held.Frame;
                var n = (int)Math.Min(count, PartRuns);
                Add("preprocess", Measure(n, () => preprocessor.Run(sample, buffers.Input)));
                Add("model", Measure(n, () => factory.Model.Run(buffers)));
                Add("stage", Measure(n, () => stage.Process(sample)?.Dispose()));
                using var result = stage.Process(sample)!;
                Add("encode", Measure(n, () => encoding.Encode(result, DateTimeOffset.UtcNow, kind => $"frame.{kind}")));
            }
            Add("pipeline", await PipelineAsync(config, clip, cancellationToken).ConfigureAwait(false));
        }

        LimitMeasurement Part(string name, string description) => new(name, description, Statistics.Median(runs[name]), runs[name], Statistics.Median(allocations[name]));
        var measurements = new List<LimitMeasurement>
        {
            Part("decode", "file source: decode into pooled BGR24 frames"),
            Part("preprocess", "pre-processing: resize, colour order, scale into the input tensor"),
            Part("model", $"{factory.Model.Id}: session.Run on one pre-processed tensor"),
            Part("stage", "stage: pre-process + run + post-process (mask, class fractions)"),
            Part("encode", "result encoding: JSON + mask PNG"),
            Part("pipeline", "batch pipeline: decode → stage → JSON + mask PNG files"),
        };
        var byName = measurements.ToDictionary(m => m.Name);
        var limit = Math.Min(byName["decode"].FramesPerSecond, byName["model"].FramesPerSecond);
        var serial = 1000 / (byName["decode"].MillisecondsPerFrame + byName["stage"].MillisecondsPerFrame + byName["encode"].MillisecondsPerFrame);
        return new LimitBenchmarkReport(clip, factory.Model.Id, frames, Environment.ProcessorCount, measurements, byName["pipeline"].FramesPerSecond / limit, serial);
    }

    /// <summary>Runs <paramref name="work"/> once to warm up, then <paramref name="runs"/> times: frames/s and bytes allocated per run.</summary>
    private static (double Fps, double BytesPerFrame) Measure(int runs, Action work)
    {
        work();
        // This thread's own allocations: exact, whatever else the process is doing.
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < runs; i++)
        {
            work();
        }
        var seconds = clock.Elapsed.TotalSeconds;
        return (runs / seconds, (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)runs);
    }

    /// <summary>Decodes the whole clip.</summary>
    private static async Task<(long Frames, double Fps, double BytesPerFrame)> DecodeAsync(string clip, CancellationToken cancellationToken)
    {
        using var source = new FrameSource(new SourceOptions("limit", clip, Realtime: false));
        source.Open();
        long count = 0;
        long allocated = 0, allocatedAtEnd = 0;
        var clock = Stopwatch.StartNew();
        await source.RunAsync(frame =>
        {
            // The source's own thread decodes, so its allocation counter is the decoder's alone.
            // Counted from SteadyAfter: the first frames pay for JIT compilation and pool growth.
            allocatedAtEnd = GC.GetAllocatedBytesForCurrentThread();
            if (++count == SteadyAfter)
            {
                allocated = allocatedAtEnd;
            }
            frame.Release();
            return ValueTask.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        var bytes = count > SteadyAfter ? (allocatedAtEnd - allocated) / (double)(count - SteadyAfter - 1) : double.NaN;
        return (count, count / seconds, bytes);
    }

    private static async Task<(double Fps, double BytesPerFrame)> PipelineAsync(ServiceConfig config, string clip, CancellationToken cancellationToken)
    {
        var output = Path.Combine(Path.GetTempPath(), "sv-limit-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var job = new BatchJob(config, output, NullLoggerFactory.Instance);
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            var reports = await job.RunAsync([clip], null, null, cancellationToken).ConfigureAwait(false);
            var seconds = clock.Elapsed.TotalSeconds;
            var results = reports.Sum(r => r.Results);
            return (results / seconds, (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)Math.Max(1, results));
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }
}
