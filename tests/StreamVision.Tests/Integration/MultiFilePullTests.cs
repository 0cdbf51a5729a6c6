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

    [Fact]
    public async Task A_registry_model_without_checksums_is_pulled_only_on_trust_and_pinned_for_every_later_pull()
    {
        // SmolVLM-256M's registry entry names its files but no SHA-256s. A stand-in of each file, served
        // on loopback at the same relative paths, plays Hugging Face.
        var manifest = ManifestLoader.Load(Path.Combine(SharedData.ProjectModels, "smolvlm_256m_instruct.yaml"));
        using var served = new TempDir();
        foreach (var file in manifest.Provenance.Files)
        {
            served.File(file.File, $"stand-in for {file.File}");
        }
        using var server = new ModelFileServer(served.Path);
        var install = Path.Combine(_dir.Path, "install");

        var refused = await CliRun.InvokeAsync("models", "pull", "smolvlm_256m_instruct", "--dir", install, "--mirror", server.BaseUrl);
        Assert.Equal(ExitCodes.Configuration, refused.ExitCode);
        Assert.Contains("--trust-first-download", refused.Error);
        Assert.False(File.Exists(Path.Combine(install, "onnx", "decoder_model_merged.onnx")));

        var trusted = await CliRun.InvokeAsync("models", "pull", "smolvlm_256m_instruct", "--dir", install, "--mirror", server.BaseUrl, "--trust-first-download");
        Assert.True(trusted.ExitCode == ExitCodes.Ok, trusted.Error);
        Assert.Equal(manifest.Provenance.Files.Count, trusted.Output.Split('\n').Count(l => l.Contains("pinned at first download")));
        var pins = File.ReadAllLines(Path.Combine(install, "smolvlm_256m_instruct.sha256"));
        Assert.Equal(manifest.Provenance.Files.Count, pins.Length);
        foreach (var file in manifest.Provenance.Files)
        {
            var sha = await ModelDownloader.Sha256Async(Path.Combine(install, file.File), CancellationToken.None);
            Assert.Contains($"{sha}  {file.File}", pins); // sha256sum -c can check the folder
        }

        // Later pulls verify against the pins: an unchanged file is recognised, a changed one refused.
        var again = await CliRun.InvokeAsync("models", "pull", "smolvlm_256m_instruct", "--dir", install, "--mirror", server.BaseUrl);
        Assert.True(again.ExitCode == ExitCodes.Ok, again.Error);
        Assert.Equal(manifest.Provenance.Files.Count, again.Output.Split('\n').Count(l => l.Contains("already installed and verified")));
        File.Delete(Path.Combine(install, "vocab.json"));
        served.File("vocab.json", "something else now");
        var tampered = await CliRun.InvokeAsync("models", "pull", "smolvlm_256m_instruct", "--dir", install, "--mirror", server.BaseUrl, "--trust-first-download");
        Assert.Equal(ExitCodes.ModelContract, tampered.ExitCode);
        Assert.Contains("pin from its first download", tampered.Error);
        Assert.False(File.Exists(Path.Combine(install, "vocab.json")));
    }

    public void Dispose()
    {
        _server.Dispose();
        _dir.Dispose();
    }
}
