using System.CommandLine;
using System.Text.Json;
using StreamVision.Host.Benchmarks;

namespace StreamVision.Host.Cli;

/// <summary><c>streamvision bench decode</c>: benchmarks that report ratios against a baseline
/// measured in the same run.</summary>
internal static class BenchCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("bench", "Benchmarks (ratios against baselines measured in the same run).");
        var clip = new Option<string>("--clip") { Description = "Video file to decode.", Required = true };
        var threads = new Option<int>("--threads") { Description = "Decoder threads for both sides.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var repeat = new Option<int>("--repeat") { Description = "Repetitions (the median is reported).", DefaultValueFactory = _ => 3 };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file." };
        var decode = new Command("decode", "Decode throughput of our file source vs the ffmpeg program at the same thread count.") { clip, threads, repeat, json };
        decode.SetAction((parse, ct) => ErrorReporting.Guard(error, async () =>
        {
            var file = parse.GetValue(clip)!;
            if (!File.Exists(file))
            {
                throw new Pipelines.Configuration.ConfigurationException($"--clip '{file}' does not exist.");
            }
            var report = await DecodeBenchmark.RunAsync(file, Math.Max(1, parse.GetValue(threads)), Math.Max(1, parse.GetValue(repeat)), "ffmpeg", ct).ConfigureAwait(false);
            output.WriteLine($"decode benchmark: {Path.GetFileName(file)}, {report.Frames} frames, {report.Threads} thread(s), median of {parse.GetValue(repeat)}");
            output.WriteLine("| decoder | fps | runs |");
            output.WriteLine("|---|---|---|");
            foreach (var m in report.Measurements)
            {
                output.WriteLine($"| {m.Description} | {m.FramesPerSecond:0.0} | {string.Join(", ", m.Runs.Select(r => r.ToString("0.0")))} |");
            }
            output.WriteLine($"ratio streamvision / ffmpeg: {report.RatioToFfmpeg:0.00}; streamvision / ffmpeg-bgr24: {report.RatioToFfmpegBgr:0.00}");
            if (parse.GetValue(json) is { } path)
            {
                await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }), ct).ConfigureAwait(false);
            }
            return ExitCodes.Ok;
        }));
        command.Subcommands.Add(decode);
        return command;
    }
}
