using System.Diagnostics;
using System.Text.Json;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>The ffmpeg process decoding an RTSP camera dies by SIGKILL (the OOM killer, an
/// operator): the camera says so, starts a new decoder and streams on, with sequence numbers still
/// increasing, while the RTSP server itself never went away.</summary>
[Trait("Category", "Slow")]
public sealed class DecoderKillTests
{
    [Fact]
    public async Task A_camera_whose_ffmpeg_is_killed_reconnects_and_streams_on()
    {
        using var server = RtspTestServer.Start(SharedData.PersonClip, "/decoder-kill");
        var port = FreePort.Next();
        var config = new ServiceConfig
        {
            Cameras = { new CameraConfig { Id = "cam", Url = server.Url("/decoder-kill"), Reconnect = new ReconnectConfig { InitialDelaySeconds = 0.2, MaxDelaySeconds = 2 } } },
            Mqtt = { Port = port, Prefix = "kill" },
            Http = { Enabled = false },
            SummaryIntervalSeconds = 0,
        };
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        await using var capture = await MqttCapture.ConnectAsync(port, "kill/cam/#");
        int Streaming() => capture.Messages.Count(m => m.Topic == "kill/cam/status" && JsonDocument.Parse(m.Payload).RootElement.GetProperty("state").GetString() == "streaming");
        List<long> Seqs() => capture.Messages.Where(m => m.Topic == "kill/cam/segmentation").Select(m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("seq").GetInt64()).ToList();

        await capture.WaitForAsync(_ => Seqs().Count > 5, TimeSpan.FromSeconds(30));
        for (var kill = 1; kill <= 3; kill++)
        {
            var decoders = FfmpegProcessesFor("/decoder-kill");
            Assert.Single(decoders); // one decoder per camera, never a leftover one
            var (streamingBefore, framesBefore) = (Streaming(), Seqs().Count);
            Process.GetProcessById(decoders[0]).Kill(); // SIGKILL
            await capture.WaitForAsync(_ => Streaming() > streamingBefore && Seqs().Count > framesBefore + 5, TimeSpan.FromSeconds(30));
            Assert.True(host.Pipeline.Source("cam")!.Stats.Reconnects >= kill);
        }
        var seqs = Seqs();
        Assert.Equal(seqs.Order(), seqs); // sequence numbers keep increasing across the new decoders
        Assert.Equal(seqs.Count, seqs.Distinct().Count());
        Assert.Empty(host.Pipeline.Failures);
    }

    /// <summary>ffmpeg processes whose command line names <paramref name="target"/>.</summary>
    private static List<int> FfmpegProcessesFor(string target) => Directory.GetDirectories("/proc")
        .Select(d => (Pid: int.TryParse(Path.GetFileName(d), out var pid) ? pid : -1, Dir: d))
        .Where(p => p.Pid > 0)
        .Select(p => (p.Pid, CommandLine: TryRead(Path.Combine(p.Dir, "cmdline"))))
        .Where(p => p.CommandLine.StartsWith("ffmpeg", StringComparison.Ordinal) || p.CommandLine.Contains("/ffmpeg\0", StringComparison.Ordinal))
        .Where(p => p.CommandLine.Contains(target, StringComparison.Ordinal))
        .Select(p => p.Pid)
        .ToList();

    private static string TryRead(string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}
