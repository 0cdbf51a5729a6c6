using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace StreamVision.Ingest.Decoders;

/// <summary>
/// When a recording started, from its container's <c>creation_time</c> tag (MP4/MOV mvhd, Matroska
/// DateUTC, …) as Debian's ffprobe reports it. OpenCV's capture API does not expose container tags.
/// A missing tag, a zero date (1904 or 1970, what muxers write when they know nothing) or a missing
/// ffprobe gives null: the file's frames then keep the arrival time.
/// </summary>
public static class RecordingStart
{
    public static DateTimeOffset? Read(string path, string ffmpegExecutable)
    {
        var start = new ProcessStartInfo(ProbeNextTo(ffmpegExecutable))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-v", "error", "-show_entries", "format_tags=creation_time", "-of", "default=nw=1:nk=1", path })
        {
            start.ArgumentList.Add(argument);
        }
        try
        {
            using var probe = Process.Start(start);
            if (probe is null)
            {
                return null;
            }
            var output = probe.StandardOutput.ReadToEndAsync();
            _ = probe.StandardError.ReadToEndAsync();
            if (!probe.WaitForExit(5000))
            {
                probe.Kill(entireProcessTree: true);
                return null;
            }
            return probe.ExitCode == 0 ? Parse(output.GetAwaiter().GetResult()) : null;
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // No ffprobe, or it could not run: the file keeps the arrival time.
            return null;
        }
    }

    public static DateTimeOffset? Parse(string tag)
    {
        var text = tag.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (text is null || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return null;
        }
        return time.Year <= 1970 ? null : time;
    }

    /// <summary>ffprobe beside the configured ffmpeg (same folder), or on the PATH when ffmpeg is a bare name.</summary>
    private static string ProbeNextTo(string ffmpeg)
    {
        var folder = Path.GetDirectoryName(ffmpeg);
        return string.IsNullOrEmpty(folder) ? "ffprobe" : Path.Combine(folder, "ffprobe");
    }
}
