using System.Net;
using System.Net.Sockets;
using StreamVision.Host.Cli;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>Bad input gets one clear message and the documented exit code, through the real CLI.</summary>
[Trait("Category", "Integration")]
public sealed class ErrorHandlingTests : IDisposable
{
    private readonly TempDir _dir = new();

    private string SelfieManifestWith(string inputShape, string layout)
    {
        var text = File.ReadAllText(Path.Combine(SharedData.ProjectModels, "selfie_segmentation.yaml"))
            .Replace("shape: [1, 256, 256, 3]", $"shape: {inputShape}")
            .Replace("  layout: nhwc\n  color_order", $"  layout: {layout}\n  color_order");
        return _dir.File("selfie_wrong.yaml", text);
    }

    [Fact]
    public async Task Manifest_that_does_not_match_the_graph_is_refused_naming_model_tensor_and_both_shapes()
    {
        var manifest = SelfieManifestWith("[1, 3, 256, 256]", "nchw");
        var run = await CliRun.InvokeAsync("models", "check", manifest, "--search-path", SharedData.Models);

        Assert.Equal(ExitCodes.ModelContract, run.ExitCode);
        Assert.Contains("model 'selfie_segmentation'", run.Error);
        Assert.Contains("input tensor 'input_1:0'", run.Error);
        Assert.Contains("expected float32 [1,3,256,256]", run.Error);
        Assert.Contains("graph has float32 [", run.Error);
        Assert.Contains(",256,256,3]", run.Error);
    }

    [Fact]
    public async Task Manifest_naming_a_tensor_the_graph_lacks_lists_the_real_names()
    {
        var text = File.ReadAllText(Path.Combine(SharedData.ProjectModels, "selfie_segmentation.yaml")).Replace("name: activation_10", "name: logits");
        var run = await CliRun.InvokeAsync("models", "check", _dir.File("m.yaml", text), "--search-path", SharedData.Models);

        Assert.Equal(ExitCodes.ModelContract, run.ExitCode);
        Assert.Contains("output tensor 'logits' is not in the graph", run.Error);
        Assert.Contains("'activation_10'", run.Error);
    }

    [Fact]
    public async Task Missing_model_file_is_a_configuration_error_that_says_where_it_looked()
    {
        var text = File.ReadAllText(Path.Combine(SharedData.ProjectModels, "selfie_segmentation.yaml")).Replace("file: selfie_segmentation.onnx", "file: nowhere.onnx");
        var config = _dir.File("c.yaml", $"cameras:\n  - id: cam\n    url: synthetic://p\nstages:\n  segmentation:\n    model: {_dir.File("m.yaml", text)}\n");
        var run = await CliRun.InvokeAsync("run", "--http-port", "0", "--config", config, "--duration", "1");

        Assert.Equal(ExitCodes.Configuration, run.ExitCode);
        Assert.Contains("file 'nowhere.onnx' not found", run.Error);
    }

    [Theory]
    [InlineData("    zones:\n      - name: steps\n        points: [[0, 0], [1, 1], [1, 0], [0, 1]]\n", "camera 'porch', zone 'steps': its edges 1–2 and 3–4 cross")]
    [InlineData("    lines:\n      - name: gate\n        points: [[0.5, 0.5]]\n", "camera 'porch', line 'gate': a line has exactly 2 points")]
    [InlineData("stages:\n  detection:\n    enabled: true\n    tracking:\n      low_score: 0.7\n", "'stages.detection.tracking.high_score' = '0.5'")]
    [InlineData("stages:\n  events:\n    enabled: true\n", "the events stage consumes the detection stage's tracks")]
    [InlineData("homeassistant:\n  enabled: true\n", "Home Assistant's entities come from the events stage")]
    [InlineData("    zones:\n      - name: steps\n        points: [[0, 0], [2000, 0], [2000, 100]]\n", "camera 'porch', zone 'steps': point (2000, 0) is outside the 640×360 frame")]
    public async Task A_bad_zone_line_tracker_or_events_setting_is_one_message_and_exit_code_2(string yaml, string message)
    {
        var config = _dir.File("c.yaml", "cameras:\n  - id: porch\n    url: synthetic://p\n" + yaml);
        var run = await CliRun.InvokeAsync("run", "--http-port", "0", "--config", config, "--duration", "1");

        Assert.Equal(ExitCodes.Configuration, run.ExitCode);
        Assert.Contains(message, run.Error);
        Assert.Single(run.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Unknown_config_key_stops_before_anything_starts()
    {
        var config = _dir.File("c.yaml", "cameras:\n  - id: cam\n    ulr: synthetic://p\n");
        var run = await CliRun.InvokeAsync("run", "--http-port", "0", "--config", config);

        Assert.Equal(ExitCodes.Configuration, run.ExitCode);
        Assert.Contains("unknown key 'cameras[0].ulr'", run.Error);
        Assert.Contains("Did you mean 'url'?", run.Error);
    }

    [Fact]
    public async Task Unparsable_camera_url_names_the_key_and_value()
    {
        var config = _dir.File("c.yaml", "cameras:\n  - id: cam\n    url: 'synthetic://p?width=wide'\n");
        var run = await CliRun.InvokeAsync("run", "--http-port", "0", "--config", config);

        Assert.Equal(ExitCodes.Configuration, run.ExitCode);
        Assert.Contains("'cameras[0].url' = 'synthetic://p?width=wide'", run.Error);
    }

    [Fact]
    public async Task Port_already_in_use_names_the_port_and_the_key_to_change()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var run = await CliRun.InvokeAsync("run", "--http-port", "0", "--mqtt-port", port.ToString(), "--duration", "1");

        Assert.Equal(ExitCodes.Configuration, run.ExitCode);
        Assert.Contains($"port {port} on 127.0.0.1 is already in use", run.Error);
        Assert.Contains("mqtt.port", run.Error);
    }

    [Fact]
    public async Task A_file_that_is_not_a_video_is_reported_and_the_next_file_still_runs()
    {
        var garbage = Path.Combine(_dir.Path, "garbage.mp4");
        File.WriteAllBytes(garbage, Enumerable.Range(0, 50_000).Select(i => (byte)(i * 31)).ToArray());
        var run = await CliRun.InvokeAsync("batch", garbage, SharedData.CarClip, "--out", Path.Combine(_dir.Path, "out"), "--no-masks");

        Assert.Equal(ExitCodes.Input, run.ExitCode);
        Assert.Contains("garbage.mp4' cannot be opened", run.Error);
        Assert.Equal(377, File.ReadAllLines(Path.Combine(_dir.Path, "out", "car-detection", "segmentation.jsonl")).Length);
    }

    [Fact]
    public async Task A_truncated_video_keeps_the_frames_before_the_damage_and_reports_the_file()
    {
        var bytes = File.ReadAllBytes(SharedData.CarClip);
        var truncated = Path.Combine(_dir.Path, "truncated.mp4");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var run = await CliRun.InvokeAsync("batch", truncated, "--out", Path.Combine(_dir.Path, "out"), "--no-masks");

        Assert.Equal(ExitCodes.Input, run.ExitCode);
        Assert.Contains("truncated.mp4", run.Error);
        // The clip keeps its index (moov) at the front, so half the file still opens and decodes.
        Assert.Contains("is damaged: decoding stopped after", run.Error);
        var kept = File.ReadAllLines(Path.Combine(_dir.Path, "out", "truncated", "segmentation.jsonl")).Length;
        Assert.InRange(kept, 100, 376);
        Assert.Contains($"after {kept} of 377 frames", run.Error);
    }

    [Fact]
    public async Task Missing_video_file_names_the_path()
    {
        var run = await CliRun.InvokeAsync("batch", "/nonexistent/clip.mp4", "--out", Path.Combine(_dir.Path, "out"));

        Assert.Equal(ExitCodes.Input, run.ExitCode);
        Assert.Contains("'/nonexistent/clip.mp4' does not exist", run.Error);
    }

    [Fact]
    public async Task A_broken_camera_does_not_stop_the_others()
    {
        var port = FreePort.Next();
        var config = _dir.File("c.yaml", $"cameras:\n  - id: broken\n    url: /nonexistent/cam.mp4\n  - id: ok\n    url: 'synthetic://p?fps=30&frames=30'\nmqtt:\n  port: {port}\nsummary_interval_seconds: 0\n");
        var run = await CliRun.InvokeAsync("run", "--http-port", "0", "--config", config, "--duration", "20");

        Assert.Equal(ExitCodes.Input, run.ExitCode);
        Assert.Contains("1 camera(s) failed", run.Output);
        Assert.Matches(@"stopped\. [1-9]\d* messages published", run.Output);
    }

    public void Dispose() => _dir.Dispose();
}
