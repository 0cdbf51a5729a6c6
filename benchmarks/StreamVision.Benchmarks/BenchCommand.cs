using System.CommandLine;
using System.Text.Json;
using StreamVision.Host.Cli;
using StreamVision.Host.Config;

namespace StreamVision.Benchmarks;

/// <summary><c>streamvision-bench …</c>: benchmarks that report ratios against a baseline measured
/// in the same run. Each report writes its own table; the commands only run and save them.</summary>
internal static class BenchCommand
{
    private static string ExistingClip(string file) => File.Exists(file)
        ? file
        : throw new Pipelines.Configuration.ConfigurationException($"--clip '{file}' does not exist.");

    /// <summary>Writes the report as indented JSON when --json was given.</summary>
    private static Task WriteJsonAsync(string? path, object report, CancellationToken cancellationToken) => path is null
        ? Task.CompletedTask
        : File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, report.GetType(), new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }), cancellationToken);

    private static Command Limit(TextWriter output, TextWriter error)
    {
        var clip = new Option<string>("--clip") { Description = "Video file.", Required = true };
        var model = new Option<string>("--model") { Description = "Segmentation model id or manifest.", DefaultValueFactory = _ => "reference_color_segmentation" };
        var modelsDir = new Option<string[]>("--models-dir") { Description = "Extra folder with model files (repeatable)." };
        var repeat = new Option<int>("--repeat") { Description = "Repetitions (the median is reported).", DefaultValueFactory = _ => 3 };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file." };
        var command = new Command("limit", "The pipeline against its physical limit: decode alone, the model alone, the whole pipeline, in one run.") { clip, model, modelsDir, repeat, json };
        command.SetAction((parse, ct) => ErrorReporting.Guard(error, async () =>
        {
            var file = ExistingClip(parse.GetValue(clip)!);
            var cfg = StreamVision.Host.Config.ConfigLoader.Default();
            cfg.Stages.Segmentation.Model = parse.GetValue(model)!;
            cfg.Models.SearchPaths.AddRange(parse.GetValue(modelsDir) ?? []);
            var report = await LimitBenchmark.RunAsync(cfg, file, Math.Max(1, parse.GetValue(repeat)), ct).ConfigureAwait(false);
            output.Write(report.ToMarkdown());
            await WriteJsonAsync(parse.GetValue(json), report, ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Writes &lt;out&gt;/&lt;name&gt;.json and &lt;name&gt;.md and prints the table.</summary>
    private static async Task WriteReportAsync(TextWriter output, string directory, string name, object report, string markdown, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        output.Write(markdown);
        await File.WriteAllTextAsync(Path.Combine(directory, name + ".md"), markdown, cancellationToken).ConfigureAwait(false);
        await WriteJsonAsync(Path.Combine(directory, name + ".json"), report, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The options every live-run benchmark shares: clip, segmentation model, model folders, output folder.</summary>
    private sealed class LiveRunOptions
    {
        public Option<string> Clip { get; } = new("--clip") { Description = "Video file, played as a live camera (looped).", Required = true };
        public Option<string> Model { get; } = new("--model") { Description = "Segmentation model id or manifest.", DefaultValueFactory = _ => "reference_color_segmentation" };
        public Option<string[]> ModelsDir { get; } = new("--models-dir") { Description = "Extra folder with model files (repeatable)." };
        public Option<string> Out { get; } = new("--out") { Description = "Folder for the JSON, the PNG plot and the table.", DefaultValueFactory = _ => "bench-out" };

        public void AddTo(Command command)
        {
            command.Options.Add(Clip);
            command.Options.Add(Model);
            command.Options.Add(ModelsDir);
            command.Options.Add(Out);
        }

        public ServiceConfig Config(ParseResult parse)
        {
            var cfg = ConfigLoader.Default();
            cfg.Stages.Segmentation.Model = parse.GetValue(Model)!;
            cfg.Models.SearchPaths.AddRange((parse.GetValue(ModelsDir) ?? []).Select(Path.GetFullPath));
            return cfg;
        }
    }

    private static Command Live(TextWriter output, TextWriter error)
    {
        var common = new LiveRunOptions();
        var seconds = new Option<double>("--seconds") { Description = "Length of the run.", DefaultValueFactory = _ => 600 };
        var overload = new Option<double>("--overload") { Description = "Camera rate ÷ the stage's rate.", DefaultValueFactory = _ => 2 };
        var command = new Command("live", "Live overload: a camera faster than the stage for a long run; frame age p50/p99 over time (PNG) and drops.") { seconds, overload };
        common.AddTo(command);
        command.SetAction((parse, ct) => ErrorReporting.Guard(error, async () =>
        {
            var file = ExistingClip(parse.GetValue(common.Clip)!);
            var report = await LiveOverloadBenchmark.RunAsync(common.Config(parse), file, Math.Max(1, parse.GetValue(overload)), TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(seconds))), parse.GetValue(common.Out)!, ct).ConfigureAwait(false);
            await WriteReportAsync(output, parse.GetValue(common.Out)!, "live-overload", report, report.ToMarkdown() + $"plot: {report.Plot}\n", ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Scaling(TextWriter output, TextWriter error)
    {
        var common = new LiveRunOptions();
        var cameras = new Option<int[]>("--cameras") { Description = "Camera counts to run, one after another.", DefaultValueFactory = _ => [1, 2, 4, 8], AllowMultipleArgumentsPerToken = true };
        var seconds = new Option<double>("--seconds") { Description = "Length of each step.", DefaultValueFactory = _ => 60 };
        var batch = new Option<int>("--batch") { Description = "Frames per model run across cameras (1: each frame on its own).", DefaultValueFactory = _ => 1 };
        var command = new Command("scaling", "1, 2, 4, 8 cameras of the same clip: total throughput and per-camera frame age (PNG plots).") { cameras, seconds, batch };
        common.AddTo(command);
        command.SetAction((parse, ct) => ErrorReporting.Guard(error, async () =>
        {
            var file = ExistingClip(parse.GetValue(common.Clip)!);
            var cfg = common.Config(parse);
            cfg.Stages.Segmentation.Batch.Size = Math.Max(1, parse.GetValue(batch));
            var counts = (parse.GetValue(cameras) ?? []).Where(c => c > 0).Distinct().Order().ToList();
            var report = await ScalingBenchmark.RunAsync(cfg, file, counts.Count == 0 ? [1] : counts, TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(seconds))), parse.GetValue(common.Out)!, ct).ConfigureAwait(false);
            await WriteReportAsync(output, parse.GetValue(common.Out)!, "scaling", report, report.ToMarkdown() + $"plots: {string.Join(", ", report.Plots)}\n", ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Soak(TextWriter output, TextWriter error)
    {
        var source = new Option<string>("--source") { Description = "Camera URL (rtsp://…) or a video file played as a live camera (looped).", Required = true };
        var minutes = new Option<double>("--minutes") { Description = "Length of the run.", DefaultValueFactory = _ => 30 };
        var modelsDir = new Option<string[]>("--models-dir") { Description = "Extra folder with model files (repeatable); detection runs when it holds yolox_nano_416x416." };
        var outDir = new Option<string>("--out") { Description = "Folder for the JSON, the PNG plot and the table.", DefaultValueFactory = _ => "bench-out" };
        var command = new Command("soak", "Every stage on test models over a live source and MQTT for a long run: RSS and managed heap over time (PNG).") { source, minutes, modelsDir, outDir };
        command.SetAction((parse, ct) => ErrorReporting.Guard(error, async () =>
        {
            var url = parse.GetValue(source)!;
            if (!url.Contains("://", StringComparison.Ordinal))
            {
                url = ExistingClip(url);
            }
            var cfg = ConfigLoader.Default();
            cfg.Models.SearchPaths.AddRange((parse.GetValue(modelsDir) ?? []).Select(Path.GetFullPath));
            var report = await SoakBenchmark.RunAsync(cfg, url, TimeSpan.FromMinutes(Math.Max(0.05, parse.GetValue(minutes))), parse.GetValue(outDir)!, ct).ConfigureAwait(false);
            await WriteReportAsync(output, parse.GetValue(outDir)!, "soak", report, report.ToMarkdown() + $"plot: {report.Plot}\n", ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Peer(TextWriter output, TextWriter error)
    {
        var common = new LiveRunOptions();
        var repeat = new Option<int>("--repeat") { Description = "Repetitions (the median is reported).", DefaultValueFactory = _ => 3 };
        var python = new Option<string>("--python") { Description = "The Python with python3-opencv and python3-paho-mqtt.", DefaultValueFactory = _ => "/usr/bin/python3" };
        var script = new Option<string>("--peer-script") { Description = "The peer program.", DefaultValueFactory = _ => PeerBenchmark.DefaultScript };
        var command = new Command("peer", "The same job as a Python user writes it (cv2.dnn + paho-mqtt): throughput and frame age at one subscriber.") { repeat, python, script };
        common.AddTo(command);
        command.SetAction((parse, ct) => ErrorReporting.Guard(error, async () =>
        {
            var file = ExistingClip(parse.GetValue(common.Clip)!);
            var report = await PeerBenchmark.RunAsync(common.Config(parse), file, Math.Max(1, parse.GetValue(repeat)), parse.GetValue(python)!, parse.GetValue(script)!, ct).ConfigureAwait(false);
            await WriteReportAsync(output, parse.GetValue(common.Out)!, "peer", report, report.ToMarkdown(), ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Micro(TextWriter output, TextWriter error)
    {
        var clip = new Option<string>("--clip") { Description = "Video file the frames come from.", Required = true };
        var outDir = new Option<string>("--out") { Description = "Folder for BenchmarkDotNet's reports (results/*.md, *.json).", DefaultValueFactory = _ => "bench-out" };
        var filter = new Option<string?>("--filter") { Description = "Only the benchmark classes whose name contains this (Preprocess, Flow, KvQuantize, Tracking)." };
        var dry = new Option<bool>("--dry") { Description = "One iteration each: check they run, measure nothing." };
        var command = new Command("micro", "BenchmarkDotNet micro-benchmarks of the hot path against baselines: pre-processing, dense flow, KV quantisation, tracking and events.") { clip, outDir, filter, dry };
        command.SetAction((parse, ct) => ErrorReporting.Guard(error, async () =>
        {
            var summaries = await Benchmarks.Micro.MicroBenchmarks.RunAsync(ExistingClip(parse.GetValue(clip)!), parse.GetValue(outDir)!, parse.GetValue(dry), parse.GetValue(filter), ct).ConfigureAwait(false);
            var failed = summaries.SelectMany(s => s.Reports).Where(r => !r.Success).Select(r => r.BenchmarkCase.DisplayInfo).ToList();
            output.WriteLine($"micro-benchmarks: {summaries.Sum(s => s.Reports.Length)} cases; reports in {Path.Combine(parse.GetValue(outDir)!, "results")}");
            if (failed.Count > 0)
            {
                error.WriteLine($"streamvision: these micro-benchmarks failed: {string.Join("; ", failed)}");
                return ExitCodes.Failure;
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command VideoLlm(TextWriter output, TextWriter error)
    {
        var model = new Option<string>("--model") { Description = "A videollm manifest or model id.", DefaultValueFactory = _ => "reference_videollm" };
        var frames = new Option<int>("--frames") { Description = "Frames appended for the rate measurement.", DefaultValueFactory = _ => 120 };
        var tokens = new Option<int>("--tokens") { Description = "Most tokens per answer.", DefaultValueFactory = _ => 32 };
        var minutes = new Option<double>("--minutes") { Description = "Stream length (2 fps, read as fast as the stage takes it) for the whole-stage run.", DefaultValueFactory = _ => 60 };
        var budget = new Option<double>("--budget-mb") { Description = "The camera's VideoLLM budget for the whole-stage run.", DefaultValueFactory = _ => 4 };
        var hostMb = new Option<double>("--offload-host-mb") { Description = "Host-memory offload tier (0: none).", DefaultValueFactory = _ => 0 };
        var diskMb = new Option<double>("--offload-disk-mb") { Description = "Disk offload tier, in <out>/videollm-offload (0: none).", DefaultValueFactory = _ => 0 };
        var outDir = new Option<string>("--out") { Description = "Folder for the JSON, the PNG plot and the table.", DefaultValueFactory = _ => "bench-out" };
        var modelsDir = new Option<string[]>("--models-dir") { Description = "Extra folder with model files (repeatable)." };
        var command = new Command("videollm", "VideoLLM: append rate vs encoding only, answer tokens/s with vs without memory, and the whole stage over a stream under a budget: memory per account and tier and RSS vs stream time (PNG), policies, answer latency.") { model, frames, tokens, minutes, budget, hostMb, diskMb, outDir, modelsDir };
        command.SetAction((parse, ct) => ErrorReporting.Guard(error, async () =>
        {
            var cfg = StreamVision.Host.Config.ConfigLoader.Default();
            cfg.Models.SearchPaths.AddRange(parse.GetValue(modelsDir) ?? []);
            var manifest = StreamVision.Host.Hosting.ModelCatalog.LoadManifest(parse.GetValue(model)!, cfg, "--model");
            var dir = parse.GetValue(outDir)!;
            var report = await VideoLlmBenchmark.RunAsync(manifest, StreamVision.Host.Hosting.ModelCatalog.SearchPaths(cfg), Math.Max(4, parse.GetValue(frames)), Math.Max(1, parse.GetValue(tokens)), Math.Max(0.1, parse.GetValue(minutes)),
                parse.GetValue(budget), parse.GetValue(hostMb), parse.GetValue(diskMb), dir, ct).ConfigureAwait(false);
            var table = report.ToMarkdown();
            output.Write(table);
            await File.WriteAllTextAsync(Path.Combine(dir, "videollm.md"), table, ct).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(dir, "videollm.json"), JsonSerializer.Serialize(new
            {
                report.Model,
                rates = report.Rates,
                stage = report.Stage,
                plot = report.Plot,
            }, new JsonSerializerOptions { WriteIndented = true }), ct).ConfigureAwait(false);
            output.WriteLine($"plot: {report.Plot}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static RootCommand Create(TextWriter output, TextWriter error)
    {
        var command = new RootCommand("streamvision-bench: StreamVision's benchmarks (ratios against baselines measured in the same run).");
        var clip = new Option<string>("--clip") { Description = "Video file to decode.", Required = true };
        var threads = new Option<int>("--threads") { Description = "Decoder threads for both sides.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var repeat = new Option<int>("--repeat") { Description = "Repetitions (the median is reported).", DefaultValueFactory = _ => 3 };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file." };
        var decode = new Command("decode", "Decode throughput of our file source vs the ffmpeg program at the same thread count.") { clip, threads, repeat, json };
        decode.SetAction((parse, ct) => ErrorReporting.Guard(error, async () =>
        {
            var file = ExistingClip(parse.GetValue(clip)!);
            var report = await DecodeBenchmark.RunAsync(file, Math.Max(1, parse.GetValue(threads)), Math.Max(1, parse.GetValue(repeat)), "ffmpeg", ct).ConfigureAwait(false);
            output.Write(report.ToMarkdown());
            await WriteJsonAsync(parse.GetValue(json), report, ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        command.Subcommands.Add(decode);
        command.Subcommands.Add(VideoLlm(output, error));
        command.Subcommands.Add(Limit(output, error));
        command.Subcommands.Add(Live(output, error));
        command.Subcommands.Add(Scaling(output, error));
        command.Subcommands.Add(Soak(output, error));
        command.Subcommands.Add(Peer(output, error));
        command.Subcommands.Add(Micro(output, error));
        return command;
    }
}
