using StreamVision.Host.Cli;
using StreamVision.Host.Hosting;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary><c>models pull</c> against an HTTP server on 127.0.0.1 serving the shared models.</summary>
[Trait("Category", "Integration")]
public sealed class ModelPullTests : IDisposable
{
    private const string SelfieSha = "1511ab5564cb0ae179cba9bcad6ad931003ccc71656f11fd270967023678c6a5";
    private readonly TempDir _dir = new();
    private readonly ModelFileServer _server = new(SharedData.Models);

    private Task<CliRun.Outcome> Pull() => CliRun.InvokeAsync("models", "pull", "selfie_segmentation", "--dir", _dir.Path, "--mirror", _server.BaseUrl);

    private string Installed => Path.Combine(_dir.Path, "selfie_segmentation.onnx");

    [Fact]
    public async Task Pull_downloads_verifies_and_installs_then_recognises_the_installed_file()
    {
        var first = await Pull();

        Assert.True(first.ExitCode == ExitCodes.Ok, first.Error);
        Assert.Contains("SHA-256 verified", first.Output);
        Assert.Equal(SelfieSha, await ModelDownloader.Sha256Async(Installed, CancellationToken.None));
        var check = await CliRun.InvokeAsync("models", "check", "selfie_segmentation", "--search-path", _dir.Path);
        Assert.Equal(ExitCodes.Ok, check.ExitCode);

        var second = await Pull();
        Assert.Equal(ExitCodes.Ok, second.ExitCode);
        Assert.Contains("already installed and verified", second.Output);
    }

    [Fact]
    public async Task An_interrupted_download_resumes_where_it_stopped()
    {
        _server.CutNextAfter = 200_000;
        var cut = await Pull();
        Assert.Equal(ExitCodes.Input, cut.ExitCode);
        Assert.Contains("Run the same command again to resume", cut.Error);
        Assert.False(File.Exists(Installed));
        var partial = new FileInfo(Installed + ".part").Length;
        Assert.InRange(partial, 1, 447_595);

        var resumed = await Pull();

        Assert.True(resumed.ExitCode == ExitCodes.Ok, resumed.Error);
        Assert.Contains($"resumed at {partial:N0}", resumed.Output);
        Assert.Equal($"bytes={partial}-", _server.Ranges.Last());
        Assert.Equal(SelfieSha, await ModelDownloader.Sha256Async(Installed, CancellationToken.None));
        Assert.False(File.Exists(Installed + ".part"));
    }

    [Fact]
    public async Task A_file_whose_checksum_does_not_match_the_manifest_is_refused_and_not_installed()
    {
        _server.Substitute = Path.Combine(SharedData.Models, "deeplab_v3_mobilenet_voc.onnx");

        var run = await Pull();

        Assert.Equal(ExitCodes.ModelContract, run.ExitCode);
        Assert.Contains("48a46b346ca7e2e96760b8a10a302046a3b5a9ce55e59d4c659c36d9cbd44118", run.Error);
        Assert.Contains($"expects {SelfieSha}", run.Error);
        Assert.False(File.Exists(Installed));
        Assert.False(File.Exists(Installed + ".part"));
    }

    [Fact]
    public async Task List_shows_every_shipped_manifest_and_where_it_is_installed()
    {
        var run = await CliRun.InvokeAsync("models", "list");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        foreach (var id in new[] { "reference_color_segmentation", "selfie_segmentation", "deeplab_v3_mobilenet_voc", "road_segmentation_adas_0001" })
        {
            Assert.Contains($"| {id} |", run.Output);
        }
        Assert.Contains("stages.segmentation", run.Output);
    }

    public void Dispose()
    {
        _server.Dispose();
        _dir.Dispose();
    }
}
