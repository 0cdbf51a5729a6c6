using System.Diagnostics;
using System.Net.Http.Json;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>
/// A models folder the service's user cannot read (copied as root, a volume with the wrong owner).
/// Tests run as root, which reads anything; the service is therefore started by setpriv without the
/// two capabilities that let root ignore file permissions (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH),
/// so a folder with mode 000 is as unreadable to it as to any other user.
/// </summary>
[Trait("Category", "Slow")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UnreadableModelsTests
{
    private static ProcessStartInfo WithoutFileOverride(params string[] args)
    {
        var start = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["--bounding-set=-dac_override,-dac_read_search", "--", "dotnet", Path.Combine(AppContext.BaseDirectory, "streamvision.dll"), .. args])
        {
            start.ArgumentList.Add(a);
        }
        return start;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var process = Process.Start(WithoutFileOverride(args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output, await error);
    }

    private static string ModelsFolder(TempDir dir)
    {
        var models = Directory.CreateDirectory(Path.Combine(dir.Path, "models")).FullName;
        File.Copy(Path.Combine(SharedData.Models, "road_segmentation_adas_0001.onnx"), Path.Combine(models, "road_segmentation_adas_0001.onnx"));
        return models;
    }

    private static string Config(TempDir dir, string models, int mqttPort, int? httpPort = null) => dir.File("site.yaml", $"""
        cameras:
          - id: a
            url: synthetic://p?width=320&height=180&fps=10
        stages:
          segmentation:
            model: road_segmentation_adas_0001
            publish_mask: false
        models:
          search_paths: [{models}]
        mqtt:
          port: {mqttPort}
          prefix: um
        http:
          {(httpPort is null ? "enabled: false" : $"port: {httpPort}")}
        summary_interval_seconds: 0
        """);

    [Theory]
    [InlineData(UnixFileMode.None)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead)] // names can be listed, files not opened
    public async Task A_models_folder_the_service_cannot_read_stops_the_start_with_one_line_naming_it_and_the_fix(UnixFileMode mode)
    {
        using var dir = new TempDir();
        var models = ModelsFolder(dir);
        var config = Config(dir, models, FreePort.Next());
        File.SetUnixFileMode(models, mode);
        try
        {
            var run = await RunAsync("run", "--config", config, "--duration", "5");
            Assert.Equal(2, run.Code);
            var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains(models, StringComparison.Ordinal));
            Assert.Contains("cannot be read (permission denied)", line);
            Assert.Contains($"chmod -R a+rX {models}", line);
            Assert.DoesNotContain("Exception", run.Error);
            Assert.DoesNotContain("   at ", run.Error);

            // Listing models skips the folder, says why, and lists the rest.
            var list = await RunAsync("models", "list", "--config", config);
            Assert.Equal(0, list.Code);
            Assert.Contains($"skipped: models folder '{models}' cannot be read (permission denied)", list.Error);
            Assert.Contains("| selfie_segmentation |", list.Output);
        }
        finally
        {
            File.SetUnixFileMode(models, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public async Task A_models_folder_that_becomes_unreadable_while_running_loses_nothing()
    {
        using var dir = new TempDir();
        var models = ModelsFolder(dir);
        var (mqttPort, httpPort) = (FreePort.Next(), FreePort.Next());
        using var process = Process.Start(WithoutFileOverride("run", "--config", Config(dir, models, mqttPort, httpPort), "--duration", "60"))!;
        var error = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        try
        {
            await using var capture = await MqttCapture.ConnectAsync(mqttPort, "um/+/segmentation", TimeSpan.FromSeconds(60));
            int Results(string camera) => capture.Messages.Count(m => m.Topic == $"um/{camera}/segmentation");
            await capture.WaitForAsync(_ => Results("a") >= 5, TimeSpan.FromSeconds(60));

            File.SetUnixFileMode(models, UnixFileMode.None);
            var before = Results("a");
            // The loaded model keeps serving, and a camera added now uses it too.
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
            var added = await http.PostAsJsonAsync("/api/cameras", new { id = "b", url = "synthetic://p?width=320&height=180&fps=10" });
            Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
            await capture.WaitForAsync(_ => Results("a") >= before + 10 && Results("b") >= 5, TimeSpan.FromSeconds(30));
            Assert.False(process.HasExited, process.HasExited ? await error : "");
        }
        finally
        {
            File.SetUnixFileMode(models, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
