using Microsoft.Extensions.Logging;
using StreamVision.Host.Config;
using StreamVision.Host.Results;
using StreamVision.Ingest;
using StreamVision.Ingest.Sources;
using StreamVision.Pipelines.Graph;
using StreamVision.Publish.Files;

namespace StreamVision.Host.Hosting;

/// <summary>What happened to one input of a batch run.</summary>
/// <param name="ResumedAt">First frame computed in this run (0 = from the start).</param>
/// <param name="Skipped">The input was already finished in this output folder.</param>
public sealed record BatchFileReport(string Input, string OutputName, long Frames, long Results, TimeSpan Elapsed, string? Error, int PoolOutstandingAfterRun, long ResumedAt = 0, bool Skipped = false)
{
    /// <summary>Why results could not be written (disk full, permissions); the input is then not marked done.</summary>
    public string? OutputError { get; init; }
}

/// <summary>
/// Offline processing: each video runs through the same stages with lossless delivery (N decoded
/// frames → N results per stage) into &lt;out&gt;/&lt;name&gt;/. A file that cannot be opened or is
/// damaged is reported and the next one proceeds; frames before the damage are kept. Rerunning into
/// the same folder skips finished inputs and continues interrupted ones (<see cref="BatchResume"/>).
/// </summary>
public sealed class BatchJob(ServiceConfig config, string outputDirectory, ILoggerFactory loggers)
{
    private readonly ILogger _log = loggers.CreateLogger("batch");

    public bool WriteMasks { get; init; } = true;

    /// <summary>The stages' publishing choices, without masks when <see cref="WriteMasks"/> is off.</summary>
    private Config.StagesConfig EncodingStages()
    {
        var stages = config.Stages;
        if (!WriteMasks)
        {
            stages.Segmentation.PublishMask = false;
            stages.SemDepth.PublishMask = false;
        }
        return stages;
    }

    /// <param name="progress">Called with (input index, frames done, frames expected or null).</param>
    public async Task<List<BatchFileReport>> RunAsync(IReadOnlyList<string> inputs, Action<int, long, long?>? started, Action<int, long>? progress, CancellationToken cancellationToken)
    {
        // An input whose name is a configured camera's id gets that camera's zones and lines.
        var stages = StageBuilder.Build(config, _log, zones: name => config.Cameras.FirstOrDefault(c => c.Id == name) is { } camera
            ? CameraZonesConfig.ToZones(camera) : Pipelines.Events.CameraZones.None);
        var reports = new List<BatchFileReport>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var files = new OutputFolder(outputDirectory);
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

    private async Task<BatchFileReport> RunOneAsync(int index, string input, string name, List<IStageFactory> stages, OutputFolder files,
        Action<int, long, long?>? started, Action<int, long>? progress, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var policy = DeliveryPolicy.Batch();
        var folder = Path.Combine(files.Root, name);
        if (File.Exists(input) && BatchResume.IsDone(folder, input, out var doneFrames))
        {
            started?.Invoke(index, doneFrames, doneFrames);
            progress?.Invoke(index, doneFrames);
            return new BatchFileReport(input, name, doneFrames, doneFrames, clock.Elapsed, null, 0, doneFrames, Skipped: true);
        }
        var resumeAt = BatchResume.Prepare(folder, stages.Select(s => s.Name + ".jsonl").ToList(), EventsEncoder.LogFiles);
        using var source = new FrameSource(new SourceOptions(name, input, Realtime: false) { PoolCapacity = Pipeline.PoolCapacityFor(policy, stages), SkipFrames = resumeAt });
        try
        {
            source.Open();
            started?.Invoke(index, resumeAt, source.Format?.FrameCount);
        }
        catch (SourceException e)
        {
            _log.LogError("{Message}", e.Message);
            started?.Invoke(index, 0, 0);
            return new BatchFileReport(input, name, 0, 0, clock.Elapsed, e.Message, 0);
        }
        using var pipeline = new Pipeline([source], stages, policy, _log);
        var router = new ResultRouter([new FileResultSink(files, new ResultEncoding(EncodingStages()))], _log);
        // A result that cannot be written (disk full) would be a gap: stop this input there; a rerun resumes at the gap.
        using var writeFailed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        string? outputError = null;
        router.SinkFailed = (result, e) =>
        {
            if (Interlocked.CompareExchange(ref outputError, OutputError(folder, e), null) is null)
            {
                writeFailed.Cancel();
            }
        };
        using var ticker = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        var run = Task.WhenAll(pipeline.RunAsync(writeFailed.Token), router.RunAsync(pipeline));
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, ticker.WaitForNextTickAsync().AsTask()).ConfigureAwait(false);
            progress?.Invoke(index, resumeAt + router.Written(name));
        }
        await run.ConfigureAwait(false);
        progress?.Invoke(index, resumeAt + router.Written(name));
        pipeline.Failures.TryGetValue(name, out var error);
        var outstanding = source.Pool?.Outstanding ?? 0;
        var frames = resumeAt + source.Stats.Decoded;
        var results = resumeAt + router.Written(name);
        if (outputError is null && error is null && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                files.Flush();
                BatchResume.MarkDone(folder, input, frames);
            }
            catch (IOException e)
            {
                outputError = OutputError(folder, e);
            }
        }
        return new BatchFileReport(input, name, frames, results, clock.Elapsed, error, outstanding, resumeAt) { OutputError = outputError };
    }

    private static string OutputError(string folder, Exception e)
        => $"cannot write the results into '{folder}' ({e.Message.Trim()}); free space (or fix the folder's permissions) and run the same command again: it resumes after the last frame written.";

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
