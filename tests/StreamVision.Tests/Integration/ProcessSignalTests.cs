using System.Diagnostics;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>The real executable as a separate process: stopped by SIGTERM (docker stop, systemd)
/// it finishes cleanly and announces itself stopped; killed, its last will says offline.</summary>
[Trait("Category", "Integration")]
public sealed class ProcessSignalTests
{
    [Fact]
    public async Task Sigterm_stops_the_service_cleanly_and_it_says_stopped()
    {
        var port = FreePort.Next();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "streamvision.dll"), "run", "--forever", "--http-port", "0", "--mqtt-port", port.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await using var watcher = await MqttCapture.ConnectAsync(port, "streamvision/#", TimeSpan.FromSeconds(30));
            await watcher.WaitForAsync(m => m.Any(x => x.Topic == "streamvision/synthetic/segmentation"), TimeSpan.FromSeconds(20));
            Assert.Contains(watcher.Messages, m => m.Topic == "streamvision/synthetic/segmentation");

            Process.Start("kill", ["-TERM", process.Id.ToString()])!.WaitForExit();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));

            Assert.Equal(0, process.ExitCode);
            Assert.Contains("streamvision: stopped.", await stdout);
            await watcher.WaitForAsync(m => m.Any(x => x.Topic == "streamvision/available" && x.Text == "stopped"), TimeSpan.FromSeconds(5));
            Assert.Contains(watcher.Messages, m => m.Topic == "streamvision/available" && m.Text == "stopped");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                _ = await stderr;
            }
        }
    }

    [Fact]
    public async Task A_killed_service_is_announced_offline_by_its_last_will_and_logs_json_lines()
    {
        using var broker = MosquittoBroker.Start();
        using var dir = new TempDir();
        var config = dir.File("sv.yaml", $"""
            cameras:
              - id: cam
                url: synthetic://p?width=160&height=96&fps=10
            mqtt:
              port: {broker.Port}
              prefix: will
              embedded:
                enabled: false
            http:
              enabled: false
            log_format: json
            summary_interval_seconds: 0
            """);
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "streamvision.dll"), "run", "--forever", "--config", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stderr = new List<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (stderr)
                {
                    stderr.Add(line);
                }
            }
        };
        process.BeginErrorReadLine();
        _ = process.StandardOutput.ReadToEndAsync();
        try
        {
            await using (var watcher = await MqttCapture.ConnectAsync(broker.Port, "will/#"))
            {
                await watcher.WaitForAsync(m => m.Any(x => x.Topic == "will/available" && x.Text == "online") && m.Any(x => x.Topic == "will/cam/segmentation"), TimeSpan.FromSeconds(30));
                Assert.Contains(watcher.Messages, m => m.Topic == "will/available" && m.Text == "online");
            }
            process.Kill(); // SIGKILL: no clean stop, no goodbye
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));

            // A client arriving afterwards sees the retained last will.
            await using var late = await MqttCapture.ConnectAsync(broker.Port, "will/available");
            await late.WaitForAsync(m => m.Any(x => x.Text == "offline"), TimeSpan.FromSeconds(10));
            var available = Assert.Single(late.Messages);
            Assert.Equal(("offline", true), (available.Text, available.Retain));

            string[] lines;
            lock (stderr)
            {
                lines = stderr.ToArray();
            }
            Assert.NotEmpty(lines);
            foreach (var line in lines)
            {
                var entry = System.Text.Json.JsonDocument.Parse(line).RootElement;
                Assert.True(entry.TryGetProperty("Timestamp", out _) && entry.TryGetProperty("LogLevel", out _) && entry.TryGetProperty("Message", out _), line);
            }
            Assert.Contains(lines, l => l.Contains("MQTT connected"));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
