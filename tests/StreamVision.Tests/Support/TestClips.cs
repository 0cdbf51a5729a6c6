using System.Diagnostics;

namespace StreamVision.Tests.Support;

/// <summary>Small H.264 MP4 clips made by Debian's ffmpeg from its test pattern (160×120, 10 fps).</summary>
public static class TestClips
{
    /// <param name="extra">More ffmpeg output options, e.g. -metadata creation_time=….</param>
    public static string Make(TempDir dir, string name, int frames, params string[] extra)
    {
        var path = Path.Combine(dir.Path, name);
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true };
        foreach (var a in (string[])["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-frames:v", frames.ToString(), "-pix_fmt", "yuv420p", .. extra, path])
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
