using StreamVision.Host.Cli;
using StreamVision.Host.Hosting;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.VideoLlm;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>A model made of several files (a VideoLLM) is pulled whole, each file verified.</summary>
[Trait("Category", "Integration")]
public sealed class MultiFilePullTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ModelFileServer _server = new(SharedData.ProjectModels);

    [Fact]
    public async Task Every_part_of_a_videollm_is_downloaded_verified_and_then_runs()
    {
        var pull = await CliRun.InvokeAsync("models", "pull", "reference_videollm", "--dir", _dir.Path, "--mirror", _server.BaseUrl);

        Assert.True(pull.ExitCode == ExitCodes.Ok, pull.Error);
        var manifest = ManifestLoader.Load(Path.Combine(SharedData.ProjectModels, "reference_videollm.yaml"));
        Assert.Equal(6, manifest.Provenance.Files.Count);
        Assert.Equal(6, pull.Output.Split('\n').Count(l => l.Contains("SHA-256 verified")));
        foreach (var file in manifest.Provenance.Files)
        {
            Assert.Equal(file.Sha256, await ModelDownloader.Sha256Async(Path.Combine(_dir.Path, file.File), CancellationToken.None));
        }
        // The installed copy is complete: the model loads from that folder alone and tokenizes.
        var copy = _dir.File("reference_videollm.yaml", File.ReadAllText(manifest.SourcePath));
        using var model = new VideoLlmModel(ManifestLoader.Load(copy), []);
        Assert.NotEmpty(model.Tokenizer.Encode("a person"));
    }

    [Fact]
    public async Task The_manifest_checksums_are_those_of_the_committed_files()
    {
        var manifest = ManifestLoader.Load(Path.Combine(SharedData.ProjectModels, "reference_videollm.yaml"));
        foreach (var file in manifest.Provenance.Files)
        {
            Assert.Equal(file.Sha256, await ModelDownloader.Sha256Async(Path.Combine(SharedData.ProjectModels, file.File), CancellationToken.None));
        }
    }

    public void Dispose()
    {
        _server.Dispose();
        _dir.Dispose();
    }
}
