using System.Globalization;
using System.Text.RegularExpressions;
using System.Web;

namespace StreamVision.Ingest.Sources;

public enum SourceKind
{
    File,
    Synthetic,
    Rtsp,
    Device,
}

/// <summary>
/// A camera URL, parsed once at configuration time so a typo is reported before anything starts.
/// Forms:
/// <list type="bullet">
/// <item><c>rtsp://[user:password@]host[:port]/path</c> — a network camera (decoded by FFmpeg)</item>
/// <item><c>/dev/videoN</c> or <c>v4l2:///dev/videoN</c> — a V4L2 device (decoded by FFmpeg)</item>
/// <item><c>synthetic://pattern?width=640&amp;height=360&amp;fps=15&amp;frames=N</c> — generated test pattern</item>
/// <item><c>file:///abs/path.mp4</c> or a plain path — a video file</item>
/// </list>
/// <see cref="Display"/> is the form for logs and status messages: any password is masked.
/// </summary>
public sealed partial class SourceUrl
{
    private SourceUrl(SourceKind kind, string target, string display)
    {
        Kind = kind;
        Target = target;
        Display = display;
    }

    public SourceKind Kind { get; }

    /// <summary>What the decoder opens: a path, a device or the full URL (with credentials).</summary>
    public string Target { get; }

    /// <summary>The URL as it may appear in logs, status messages and errors (password masked).</summary>
    public string Display { get; }

    /// <summary>A network or device source: it can drop out and come back, so it is reconnected.</summary>
    public bool IsLive => Kind is SourceKind.Rtsp or SourceKind.Device;

    public int SyntheticWidth { get; private init; }
    public int SyntheticHeight { get; private init; }
    public double SyntheticFps { get; private init; }
    public long? SyntheticFrames { get; private init; }

    public override string ToString() => Display;

    public static SourceUrl Parse(string url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new FormatException("the camera URL is empty; use rtsp://host/path, /dev/videoN, a file path, file:///path or synthetic://pattern.");
        }
        if (url.StartsWith("synthetic:", StringComparison.OrdinalIgnoreCase))
        {
            return ParseSynthetic(url);
        }
        if (url.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("rtsps://", StringComparison.OrdinalIgnoreCase))
        {
            return ParseRtsp(url);
        }
        if (url.StartsWith("v4l2://", StringComparison.OrdinalIgnoreCase))
        {
            return Device(url["v4l2://".Length..], url);
        }
        if (url.StartsWith("/dev/", StringComparison.Ordinal))
        {
            return Device(url, url);
        }
        if (url.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var fileUri) || !fileUri.IsFile)
            {
                throw new FormatException($"'{url}' is not a valid file URL; write file:///absolute/path.mp4 or just the path.");
            }
            return new SourceUrl(SourceKind.File, fileUri.LocalPath, fileUri.LocalPath);
        }
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0)
        {
            var scheme = url[..schemeEnd].ToLowerInvariant();
            throw new FormatException($"camera URL scheme '{scheme}://' is not supported (supported: rtsp://, rtsps://, /dev/videoN, v4l2://, file paths, file://, synthetic://).");
        }
        if (url.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            throw new FormatException($"'{url}' is not a valid file path.");
        }
        var full = Path.GetFullPath(url);
        return new SourceUrl(SourceKind.File, full, full);
    }

    /// <summary>Replaces the password of any URL inside <paramref name="text"/> with ***.</summary>
    public static string MaskCredentials(string text) => CredentialsPattern().Replace(text, "$1$2:***@");

    [GeneratedRegex(@"([a-zA-Z][a-zA-Z0-9+.-]*://)([^:/@\s]+):[^@/\s]*@")]
    private static partial Regex CredentialsPattern();

    private static SourceUrl ParseRtsp(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException($"'{MaskCredentials(url)}' is not a valid RTSP URL; write rtsp://[user:password@]host[:port]/path.");
        }
        if (uri.Port is < -1 or 0 or > 65535)
        {
            throw new FormatException($"'{MaskCredentials(url)}': port {uri.Port} is out of range.");
        }
        return new SourceUrl(SourceKind.Rtsp, url, MaskCredentials(url));
    }

    private static SourceUrl Device(string path, string original)
    {
        if (!DevicePattern().IsMatch(path))
        {
            throw new FormatException($"'{original}' is not a V4L2 device path; write /dev/videoN.");
        }
        return new SourceUrl(SourceKind.Device, path, path);
    }

    [GeneratedRegex(@"^/dev/[A-Za-z0-9_./-]+$")]
    private static partial Regex DevicePattern();

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
        return new SourceUrl(SourceKind.Synthetic, url, url)
        {
            SyntheticWidth = (int)Number(query["width"], 640, url, "width"),
            SyntheticHeight = (int)Number(query["height"], 360, url, "height"),
            SyntheticFps = Number(query["fps"], 15.0, url, "fps"),
            SyntheticFrames = query["frames"] is null ? null : (long)Number(query["frames"], 0.0, url, "frames"),
        };
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
