namespace StreamVision.Host.Hosting;

/// <summary>
/// SHA-256s recorded at a model's first download when its manifest had none (trust on first use,
/// asked for with <c>models pull --trust-first-download</c>): <c>&lt;folder&gt;/&lt;id&gt;.sha256</c> in
/// <c>sha256sum</c>'s format, so later pulls verify against them and <c>sha256sum -c</c> can too.
/// Copy them into the manifest to share them.
/// </summary>
public static class ModelPins
{
    public static string PathOf(string directory, string modelId) => Path.Combine(directory, modelId + ".sha256");

    /// <summary>The pinned SHA-256 of <paramref name="relativeFile"/>, or null.</summary>
    public static string? Find(string directory, string modelId, string relativeFile)
    {
        var path = PathOf(directory, modelId);
        if (!File.Exists(path))
        {
            return null;
        }
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split("  ", 2);
            if (parts.Length == 2 && parts[1].Trim() == relativeFile && parts[0].Length == 64)
            {
                return parts[0].ToLowerInvariant();
            }
        }
        return null;
    }

    public static void Add(string directory, string modelId, string relativeFile, string sha256)
    {
        Directory.CreateDirectory(directory);
        File.AppendAllText(PathOf(directory, modelId), $"{sha256}  {relativeFile}\n");
    }
}
