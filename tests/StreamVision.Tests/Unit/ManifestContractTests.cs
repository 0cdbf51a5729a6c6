using StreamVision.Pipelines.Configuration;
using StreamVision.Pipelines.Models;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Unit;

/// <summary>Manifests of the joint and body contracts: a mistake is refused at load with the key and the fix,
/// and a manifest that disagrees with its graph is refused naming the tensor.</summary>
public sealed class ManifestContractTests
{
    private static string Variant(TempDir dir, string id, string from, string to)
    {
        var text = File.ReadAllText(Path.Combine(SharedData.ProjectModels, $"{id}.yaml"));
        Assert.Contains(from, text);
        dir.File($"{id}.onnx", "");
        File.Copy(Path.Combine(SharedData.ProjectModels, $"{id}.onnx"), Path.Combine(dir.Path, $"{id}.onnx"), overwrite: true);
        return dir.File($"{id}.yaml", text.Replace(from, to));
    }

    [Theory]
    [InlineData("reference_semdepth", "  - role: depth\n", "  - role: deep\n", "needs an entry with 'role: depth'")]
    [InlineData("reference_semdepth", "    shape: [1, 96, 160, 1]\n    layout: nhwc", "    shape: [1, 96, 160, 2]\n    layout: nhwc", "'outputs[depth].shape' must be")]
    [InlineData("reference_semdepth", "translation: { name: translation, shape: [1, 3] }", "translation: { name: translation, shape: [1, 4] }", "'pose_inputs.translation' holds 4 values; it must hold 3")]
    [InlineData("reference_body", "  meaning: person_scores", "  meaning: class_scores", "must be person_scores")]
    [InlineData("reference_body", "  - { role: betas, name: betas, shape: [1, 2, 10] }\n", "", "needs an entry with 'role: betas'")]
    [InlineData("reference_body", "[1, 2, 55, 3, 3]", "[1, 3, 55, 3, 3]", "'outputs[rotmats].shape' must be [1, 2, joints, 3, 3]")]
    public void Contract_mistakes_are_refused_with_the_key(string id, string from, string to, string message)
    {
        using var dir = new TempDir();
        var e = Assert.Throws<ConfigurationException>(() => ManifestLoader.Load(Variant(dir, id, from, to)));
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("reference_semdepth", "rotation: { name: rotation,", "rotation: { name: attitude,", "rotation input tensor 'attitude' is not in the graph", "pose_inputs.rotation")]
    [InlineData("reference_semdepth", "    shape: [1, 1]\nclasses", "    shape: [1, 2]\nclasses", "state input tensor 'state_in' expected float32 [1,2]", "'state'")]
    [InlineData("reference_body", "{ role: expression, name: expression, shape: [1, 2, 10] }", "{ role: expression, name: expression, shape: [1, 2, 50] }", "'expression' output tensor 'expression' expected float32 [1,2,50]", "outputs[expression]")]
    public void A_manifest_that_disagrees_with_its_graph_names_the_tensor_and_the_key(string id, string from, string to, string message, string key)
    {
        using var dir = new TempDir();
        var manifest = ManifestLoader.Load(Variant(dir, id, from, to));
        var e = Assert.Throws<ModelContractException>(() => OnnxModel.Load(manifest, []));
        Assert.Contains(message, e.Message);
        Assert.Contains(key, e.Message);
    }
}

public sealed class VideoLlmManifestTests
{
    [Theory]
    [InlineData("reference_videollm")]
    [InlineData("smolvlm_256m_instruct")]
    public void Videollm_manifests_are_complete(string id)
    {
        var manifest = ManifestLoader.Load(Path.Combine(SharedData.ProjectModels, $"{id}.yaml"));
        var v = manifest.Videollm!;
        Assert.Equal("videollm", manifest.Task);
        Assert.True(v.TokensPerFrame > 0 && v.Decoder.Hidden > 0);
        Assert.Contains(v.Tokenizer.EndToken, v.Tokenizer.SpecialTokens);
        Assert.Contains("{question}", v.PromptTemplate);
    }

    [Fact]
    public void A_videollm_manifest_without_its_parts_is_refused_with_the_key()
    {
        using var dir = new TempDir();
        var text = File.ReadAllText(Path.Combine(SharedData.ProjectModels, "reference_videollm.yaml")).Replace("  tokens_per_frame: 4\n", "");
        var e = Assert.Throws<ConfigurationException>(() => ManifestLoader.Load(dir.File("v.yaml", text)));
        Assert.Contains("'videollm.tokens_per_frame'", e.Message);
    }
}
