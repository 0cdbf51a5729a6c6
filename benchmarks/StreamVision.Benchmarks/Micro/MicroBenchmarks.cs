using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.NoEmit;

namespace StreamVision.Benchmarks.Micro;

/// <summary>
/// BenchmarkDotNet micro-benchmarks of the hot path's own code, each with its baseline in the same
/// run (the ratio column): pre-processing, dense flow, KV quantisation, tracking and events. They run in this process
/// (the shipped binary, no SDK needed) with the memory diagnoser, so allocations per operation are
/// reported next to the times. Reports go to &lt;out&gt;/results (markdown and JSON).
/// </summary>
public static class MicroBenchmarks
{
    public static readonly Type[] All = [typeof(PreprocessBenchmarks), typeof(FlowBenchmarks), typeof(KvQuantizeBenchmarks), typeof(TrackingBenchmarks)];

    /// <param name="dry">One iteration each: checks they run, measures nothing (the smoke test).</param>
    public static async Task<IReadOnlyList<Summary>> RunAsync(string clip, string outputDirectory, bool dry, string? filter, CancellationToken cancellationToken)
    {
        using var first = await ClipSample.TakeAsync(clip, 10, cancellationToken).ConfigureAwait(false);
        using var second = await ClipSample.TakeAsync(clip, 11, cancellationToken).ConfigureAwait(false);
        MicroInputs.First = first.Frame;
        MicroInputs.Second = second.Frame;
        try
        {
            var job = (dry ? Job.Dry : Job.ShortRun).WithToolchain(InProcessNoEmitToolchain.Instance);
            var config = ManualConfig.CreateEmpty()
                .AddJob(job)
                .AddDiagnoser(MemoryDiagnoser.Default)
                .AddColumnProvider(DefaultColumnProviders.Instance)
                .AddLogger(ConsoleLogger.Default)
                .AddExporter(MarkdownExporter.GitHub, JsonExporter.Brief)
                .WithArtifactsPath(Path.GetFullPath(outputDirectory))
                .WithOptions(ConfigOptions.DisableOptimizationsValidator); // a summary per class: each ratio against its own baseline
            var types = All.Where(t => filter is null || t.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)).ToArray();
            if (types.Length == 0)
            {
                throw new Pipelines.Configuration.ConfigurationException($"--filter '{filter}' matches none of {string.Join(", ", All.Select(t => t.Name))}.");
            }
            return BenchmarkRunner.Run(types, config);
        }
        finally
        {
            MicroInputs.First = MicroInputs.Second = null;
        }
    }
}
