using System.Diagnostics;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>The real executable as a separate process: stopped by SIGTERM (docker stop, systemd)
/// it finishes cleanly and announces itself stopped.</summary>
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
}
