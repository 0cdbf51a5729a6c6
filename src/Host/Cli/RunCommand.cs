using System.CommandLine;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;

namespace StreamVision.Host.Cli;

/// <summary><c>streamvision run</c>: the live service.</summary>
internal static class RunCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var flags = new ConfigFlags(error);
        var duration = new Option<double>("--duration") { Description = "Stop after this many seconds.", DefaultValueFactory = _ => 10 };
        var forever = new Option<bool>("--forever") { Description = "Run until Ctrl-C instead of stopping after --duration." };
        var camera = new Option<string[]>("--camera") { Description = "Camera URL or file path (repeatable; replaces the config's cameras).", AllowMultipleArgumentsPerToken = false };
        var port = new Option<int?>("--mqtt-port") { Description = "MQTT port (sets mqtt.port)." };
        var httpPort = new Option<int?>("--http-port") { Description = "HTTP port for REST, metrics and health (sets http.port; -1 turns HTTP off)." };
        var command = new Command("run", "Run the service: cameras → stages → MQTT, with a summary line per second.") { duration, forever, camera, port, httpPort };
        flags.AddTo(command);
        command.SetAction((parse, ct) => ErrorReporting.Guard(error, async () =>
        {
            var cfg = flags.Load(parse, requireCameras: parse.GetValue(camera) is not { Length: > 0 },
                ("mqtt.port", parse.GetValue(port)?.ToString(System.Globalization.CultureInfo.InvariantCulture), "--mqtt-port"),
                ("http.port", parse.GetValue(httpPort)?.ToString(System.Globalization.CultureInfo.InvariantCulture), "--http-port"));
            if (parse.GetValue(camera) is { Length: > 0 } urls)
            {
                cfg.Cameras = urls.Select((u, i) => new CameraConfig { Id = urls.Length == 1 ? "camera" : $"camera{i + 1}", Url = u }).ToList();
                ConfigLoader.Validate(cfg);
            }
            var seconds = parse.GetValue(duration);
            if (!parse.GetValue(forever) && !(seconds > 0))
            {
                throw new Pipelines.Configuration.ConfigurationException($"--duration {seconds}: use a positive number of seconds, or --forever.");
            }
            await using var host = await ServiceHost.StartAsync(cfg, null, ct).ConfigureAwait(false);
            output.WriteLine($"streamvision: publishing to mqtt://{cfg.Mqtt.Host}:{cfg.Mqtt.Port} under '{cfg.Mqtt.Prefix}/#'; " +
                (parse.GetValue(forever) ? "Ctrl-C stops." : $"stopping after {seconds:0.#} s (--forever runs until Ctrl-C)."));
            using var stopAt = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (!parse.GetValue(forever))
            {
                stopAt.CancelAfter(TimeSpan.FromSeconds(seconds));
            }
            var summary = cfg.SummaryIntervalSeconds > 0
                ? new LiveSummary(host.Pipeline, host.Router, host.Publisher, output).RunAsync(TimeSpan.FromSeconds(cfg.SummaryIntervalSeconds), stopAt.Token)
                : Task.CompletedTask;
            await Task.WhenAny(host.Completion, Task.Delay(Timeout.Infinite, stopAt.Token).ContinueWith(_ => { }, TaskScheduler.Default)).ConfigureAwait(false);
            await stopAt.CancelAsync().ConfigureAwait(false);
            await host.StopAsync().ConfigureAwait(false);
            await summary.ConfigureAwait(false);
            var failed = host.StartFailures.Count + host.Pipeline.Failures.Count;
            output.WriteLine($"streamvision: stopped. {host.Publisher.Stats.Published} messages published, {host.Pipeline.StageStats.Sum(s => s.Dropped)} frames dropped by busy stages" +
                (failed > 0 ? $", {failed} camera(s) failed." : "."));
            return failed > 0 ? ExitCodes.Input : ExitCodes.Ok;
        }));
        return command;
    }
}
