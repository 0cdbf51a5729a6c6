using System.Diagnostics;

namespace StreamVision.Tests.Support;

/// <summary>Small H.264 MP4 clips made by Debian's ffmpeg: from its test pattern (160×120, 10 fps), or cut from a shared clip.</summary>
public static class TestClips
{
    /// <param name="extra">More ffmpeg output options, e.g. -metadata creation_time=….</param>
    public static string Make(TempDir dir, string name, int frames, params string[] extra)
        => Run(dir, name, ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-frames:v", frames.ToString(), "-pix_fmt", "yuv420p", .. extra]);

    /// <summary><paramref name="frames"/> frames of <paramref name="source"/> from <paramref name="startSeconds"/>, re-encoded (H.264).</summary>
    /// <param name="extra">More encoder options, e.g. -g 10 -bf 0 (a key frame every 10 frames, no B-frames).</param>
    public static string Cut(TempDir dir, string name, string source, double startSeconds, int frames, params string[] extra)
        => Run(dir, name, ["-ss", startSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", source, "-frames:v", frames.ToString(), "-an", "-c:v", "libx264", "-pix_fmt", "yuv420p", .. extra]);

    private static string Run(TempDir dir, string name, string[] arguments)
    {
        var path = Path.Combine(dir.Path, name);
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true };
        foreach (var a in (string[])["-hide_banner", "-loglevel", "error", "-y", .. arguments, path])
        {
            start.ArgumentList.Add(a);
        }
        using var ffmpeg = Process.Start(start)!;
        var error = ffmpeg.StandardError.ReadToEnd();
        ffmpeg.WaitForExit();
        Assert.True(ffmpeg.ExitCode == 0, error);
        return path;
    }
}
