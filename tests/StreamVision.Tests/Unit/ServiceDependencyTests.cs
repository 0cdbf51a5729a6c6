using System.Text.Json;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Unit;

/// <summary>Developer tools stay out of what the service ships: the host project's restored
/// package closure (what `dotnet publish` copies) has no benchmark or model-building package.</summary>
public class ServiceDependencyTests
{
    private static readonly string[] DeveloperOnly = ["BenchmarkDotNet", "OnnxSharp", "Microsoft.CodeAnalysis", "Microsoft.Diagnostics", "Iced", "Perfolizer"];

    [Fact]
    public void The_service_depends_on_no_benchmark_or_model_generator_package()
    {
        var assets = Path.Combine(SharedData.RepoRoot, "src", "Host", "obj", "project.assets.json");
        using var json = JsonDocument.Parse(File.ReadAllText(assets));
        var packages = json.RootElement.GetProperty("libraries").EnumerateObject()
            .Where(p => p.Value.GetProperty("type").GetString() == "package")
            .Select(p => p.Name.Split('/')[0])
            .ToList();
        Assert.Contains("Microsoft.ML.OnnxRuntime", packages); // the list is the real closure
        var offending = packages.Where(p => DeveloperOnly.Any(d => p.StartsWith(d, StringComparison.OrdinalIgnoreCase))).ToList();
        Assert.True(offending.Count == 0, $"the service (src/Host) pulls in developer-only packages: {string.Join(", ", offending)}; reference them from benchmarks/ or tools/ instead.");
    }
}
