using Microsoft.Extensions.Logging;
using StreamVision.Host.Config;
using StreamVision.Host.Results;
using StreamVision.Ingest;
using StreamVision.Ingest.Sources;
using StreamVision.Pipelines.Graph;
using StreamVision.Publish.Files;

namespace StreamVision.Host.Hosting;

/// <summary>What happened to one input of a batch run.</summary>
public sealed record BatchFileReport(string Input, string OutputName, long Frames, long Results, TimeSpan Elapsed, string? Error, int PoolOutstandingAfterRun);

/// <summary>
/// Offline processing: each video runs through the same stages with lossless delivery (N decoded
/// frames → N results per stage) into &lt;out&gt;/&lt;name&gt;/. A file that cannot be opened or is
/// damaged is reported and the next one proceeds; frames before the damage are kept.
/// </summary>
public sealed class BatchJob(ServiceConfig config, string outputDirectory, ILoggerFactory loggers)
{
    private readonly ILogger _log = loggers.CreateLogger("batch");

    public bool WriteMasks { get; init; } = true;

    /// <param name="progress">Called with (input index, frames done, frames expected or null).</param>
    public async Task<List<BatchFileReport>> RunAsync(IReadOnlyList<string> inputs, Action<int, long, long?>? started, Action<int, long>? progress, CancellationToken cancellationToken)
    {
        var stages = StageBuilder.Build(config);
        var reports = new List<BatchFileReport>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var files = new ResultFileSink(outputDirectory);
        try
        {
            for (var i = 0; i < inputs.Count && !cancellationToken.IsCancellationRequested; i++)
            {
                var name = UniqueName(Path.GetFileNameWithoutExtension(inputs[i]), names);
                reports.Add(await RunOneAsync(i, inputs[i], name, stages, files, started, progress, cancellationToken).ConfigureAwait(false));
            }
        }
        finally
        {
            stages.ForEach(s => s.Dispose());
        }
        return reports;
    }

    private async Task<BatchFileReport> RunOneAsync(int index, string input, string name, List<IStageFactory> stages, ResultFileSink files,
        Action<int, long, long?>? started, Action<int, long>? progress, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var policy = DeliveryPolicy.Batch();
        using var source = new FrameSource(new SourceOptions(name, input, Realtime: false));
        try
        {
            var format = source.Open(Pipeline.PoolCapacityFor(policy, stages.Count));
            started?.Invoke(index, 0, format.FrameCount);
        }
        catch (SourceException e)
        {
            _log.LogError("{Message}", e.Message);
            started?.Invoke(index, 0, 0);
            return new BatchFileReport(input, name, 0, 0, clock.Elapsed, e.Message, 0);
        }
        using var pipeline = new Pipeline([source], stages, policy, _log);
        var router = new ResultRouter([new FileResultSink(files, WriteMasks)], _log);
        using var ticker = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        var run = Task.WhenAll(pipeline.RunAsync(cancellationToken), router.RunAsync(pipeline));
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, ticker.WaitForNextTickAsync().AsTask()).ConfigureAwait(false);
            progress?.Invoke(index, router.Written(name));
        }
        await run.ConfigureAwait(false);
        progress?.Invoke(index, router.Written(name));
        pipeline.Failures.TryGetValue(name, out var error);
        var outstanding = source.Pool?.Outstanding ?? 0;
        return new BatchFileReport(input, name, source.Stats.Decoded, router.Written(name), clock.Elapsed, error, outstanding);
    }

    private static string UniqueName(string stem, HashSet<string> used)
    {
        var safe = new string(stem.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
        if (safe.Length == 0)
        {
            safe = "video";
        }
        var name = safe;
        for (var n = 2; !used.Add(name); n++)
        {
            name = $"{safe}-{n}";
        }
        return name;
    }
}
