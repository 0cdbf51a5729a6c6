namespace StreamVision.Tests.Support;

/// <summary>Paths to the repository and to the shared real models and clips (../shared next to the
/// checkout; STREAMVISION_SHARED overrides).</summary>
public static class SharedData
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string SharedRoot { get; } = Environment.GetEnvironmentVariable("STREAMVISION_SHARED") is { Length: > 0 } env
        ? Path.GetFullPath(env)
        : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    public static string Models => Path.Combine(SharedRoot, "models");

    public static string PersonClip => Require(Path.Combine(SharedRoot, "videos", "one-by-one-person-detection.mp4"));

    public static string CarClip => Require(Path.Combine(SharedRoot, "videos", "car-detection.mp4"));

    public static string ProjectModels => Path.Combine(RepoRoot, "models");

    private static string Require(string path) => File.Exists(path)
        ? path
        : throw new FileNotFoundException($"test data '{path}' is missing; the shared folder must sit next to the checkout (or set STREAMVISION_SHARED).");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StreamVision.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("cannot find StreamVision.sln above the test binaries.");
    }
}
