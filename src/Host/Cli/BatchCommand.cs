using System.CommandLine;
using Spectre.Console;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;

namespace StreamVision.Host.Cli;

/// <summary><c>streamvision batch VIDEO... --out DIR</c>: lossless offline processing into files.</summary>
internal static class BatchCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var videos = new Argument<string[]>("VIDEO") { Description = "Video files to process.", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<string>("--out") { Description = "Output folder (one sub-folder per video).", Required = true };
        var flags = new ConfigFlags(error); // the config's stages and models sections are used
        var noMasks = new Option<bool>("--no-masks") { Description = "Write only the JSON lines, not the mask PNGs." };
        var shard = new Option<string?>("--shard")
        {
            Description = "K/N: process only every N-th video of the sorted list, starting at the K-th (0-based, e.g. $JOB_COMPLETION_INDEX/4 in a Kubernetes Indexed Job). Give every shard the same videos.",
        };
        var command = new Command("batch", "Process video files losslessly: one result per decoded frame, written to --out.")
        {
            videos, outDir, noMasks, shard,
        };
        flags.AddTo(command);
        command.SetAction((parse, ct) => ErrorReporting.Guard(error, async () =>
        {
            var cfg = flags.Load(parse, requireCameras: false);
            using var loggers = Logging.Create(cfg.LogLevel == "information" ? "warning" : cfg.LogLevel, cfg.LogFormat);
            var inputs = parse.GetValue(videos)!;
            if (parse.GetValue(shard) is { } shardText)
            {
                BatchShard part;
                try
                {
                    part = BatchShard.Parse(shardText);
                }
                catch (FormatException e)
                {
                    throw new Pipelines.Configuration.ConfigurationException(e.Message, e);
                }
                var all = inputs.Distinct(StringComparer.Ordinal).Count();
                inputs = [.. part.Take(inputs)];
                output.WriteLine($"shard {part}: {inputs.Length} of {all} videos");
                if (inputs.Length == 0)
                {
                    return ExitCodes.Ok;
                }
            }
            var job = new BatchJob(cfg, parse.GetValue(outDir)!, loggers) { WriteMasks = !parse.GetValue(noMasks) };
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
            if (!console.Profile.Capabilities.Interactive)
            {
                console.Profile.Width = 200;
            }
            List<BatchFileReport> reports;
            if (console.Profile.Capabilities.Interactive)
            {
                reports = await console.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .StartAsync(async ctx =>
                    {
                        var tasks = inputs.Select(i => ctx.AddTask(Path.GetFileName(i), autoStart: false)).ToArray();
                        return await job.RunAsync(inputs,
                            (i, _, total) => { tasks[i].MaxValue = Math.Max(1, total ?? 1); tasks[i].StartTask(); },
                            (i, done) => tasks[i].Value = Math.Min(done, tasks[i].MaxValue),
                            ct).ConfigureAwait(false);
                    }).ConfigureAwait(false);
            }
            else
            {
                reports = await job.RunAsync(inputs, (i, _, total) => output.WriteLine($"[{i + 1}/{inputs.Length}] {inputs[i]} ({total?.ToString() ?? "?"} frames)"), null, ct).ConfigureAwait(false);
            }
            var table = new Table().AddColumns("input", "output", "frames", "results", "fps", "status");
            foreach (var r in reports)
            {
                var fps = r.Elapsed.TotalSeconds > 0 && !r.Skipped ? (r.Results - r.ResumedAt) / r.Elapsed.TotalSeconds : 0;
                table.AddRow(Markup.Escape(r.Input), Markup.Escape(r.OutputName), r.Frames.ToString(), r.Results.ToString(), fps.ToString("0.0"),
                    r.OutputError is not null ? $"[red]{Markup.Escape(r.OutputError)}[/]"
                    : r.Error is not null ? $"[red]{Markup.Escape(r.Error)}[/]"
                    : r.Skipped ? "[grey]already done, skipped[/]"
                    : r.ResumedAt > 0 ? $"[green]ok[/] (resumed at frame {r.ResumedAt})"
                    : "[green]ok[/]");
            }
            console.Write(table);
            foreach (var r in reports.Where(r => r.Error is not null))
            {
                error.WriteLine($"streamvision: input error: {r.Error}");
            }
            foreach (var r in reports.Where(r => r.OutputError is not null))
            {
                error.WriteLine($"streamvision: output error: {r.OutputError}");
            }
            return reports.Any(r => r.OutputError is not null) ? ExitCodes.Output
                : reports.Any(r => r.Error is not null) ? ExitCodes.Input
                : ExitCodes.Ok;
        }));
        return command;
    }
}
