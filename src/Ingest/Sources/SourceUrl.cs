using System.Globalization;
using System.Web;
using StreamVision.Ingest.Decoders;

namespace StreamVision.Ingest.Sources;

/// <summary>
/// The camera URL forms this build understands, parsed once at configuration time so a typo is
/// reported before anything starts:
/// <list type="bullet">
/// <item><c>synthetic://pattern?width=640&amp;height=360&amp;fps=15&amp;frames=N</c> — generated test pattern</item>
/// <item><c>file:///abs/path.mp4</c> or a plain path — a video file</item>
/// </list>
/// </summary>
public sealed class SourceUrl
{
    private SourceUrl(string kind, string display, Func<IFrameDecoder> factory)
    {
        Kind = kind;
        Display = display;
        CreateDecoder = factory;
    }

    public string Kind { get; }

    /// <summary>The URL as it may appear in logs (credentials masked).</summary>
    public string Display { get; }

    public Func<IFrameDecoder> CreateDecoder { get; }

    public bool IsFile => Kind == "file";

    public static SourceUrl Parse(string url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new FormatException("the camera URL is empty; use a file path, file:///path or synthetic://pattern.");
        }
        if (url.StartsWith("synthetic:", StringComparison.OrdinalIgnoreCase))
        {
            return ParseSynthetic(url);
        }
        if (url.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var fileUri) || !fileUri.IsFile)
            {
                throw new FormatException($"'{url}' is not a valid file URL; write file:///absolute/path.mp4 or just the path.");
            }
            var path = fileUri.LocalPath;
            return new SourceUrl("file", path, () => new OpenCvFileDecoder(path));
        }
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0)
        {
            var scheme = url[..schemeEnd].ToLowerInvariant();
            throw new FormatException($"camera URL scheme '{scheme}://' is not supported by this build (supported: file paths, file://, synthetic://). Network cameras (rtsp://) arrive with the RTSP ingest.");
        }
        if (url.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            throw new FormatException($"'{url}' is not a valid file path.");
        }
        var full = Path.GetFullPath(url);
        return new SourceUrl("file", full, () => new OpenCvFileDecoder(full));
    }

    private static SourceUrl ParseSynthetic(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new FormatException($"'{url}' is not a valid synthetic URL; write synthetic://pattern?width=640&height=360&fps=15.");
        }
        var query = HttpUtility.ParseQueryString(uri.Query);
        var known = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "width", "height", "fps", "frames" };
        foreach (var key in query.AllKeys)
        {
            if (key is null || !known.Contains(key))
            {
                throw new FormatException($"synthetic URL '{url}': unknown parameter '{key}'; known: width, height, fps, frames.");
            }
        }
        var width = Number(query["width"], 640, url, "width");
        var height = Number(query["height"], 360, url, "height");
        var fps = Number(query["fps"], 15.0, url, "fps");
        long? frames = query["frames"] is null ? null : (long)Number(query["frames"], 0.0, url, "frames");
        return new SourceUrl("synthetic", url, () => new SyntheticDecoder((int)width, (int)height, fps, frames));
    }

    private static double Number(string? text, double fallback, string url, string name)
    {
        if (text is null)
        {
            return fallback;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            throw new FormatException($"synthetic URL '{url}': {name}='{text}' is not a positive number.");
        }
        return value;
    }
}
