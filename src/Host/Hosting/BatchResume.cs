using System.Text;
using System.Text.Json;

namespace StreamVision.Host.Hosting;

/// <summary>
/// Makes batch runs resumable. A finished input leaves a marker (input path, size, modification
/// time, frame count) in its output folder and is skipped next time. An interrupted input is
/// continued: each stage's JSON-lines file is cut back to its last complete line, all stages to the
/// same frame, and decoding resumes at the next frame. Because a mask is written before its JSON
/// line, a line on disk always has its mask, so nothing is missing and nothing is duplicated.
/// </summary>
internal static class BatchResume
{
    private const string MarkerName = ".done.json";

    public sealed record Marker(string Input, long Size, long ModifiedTicks, long Frames);

    /// <summary>True when <paramref name="folder"/> holds a finished run of exactly this input.</summary>
    public static bool IsDone(string folder, string input, out long frames)
    {
        frames = 0;
        var path = Path.Combine(folder, MarkerName);
        if (!File.Exists(path))
        {
            return false;
        }
        try
        {
            var marker = JsonSerializer.Deserialize<Marker>(File.ReadAllText(path));
            var info = new FileInfo(input);
            if (marker is not null && marker.Input == info.FullName && marker.Size == info.Length && marker.ModifiedTicks == info.LastWriteTimeUtc.Ticks)
            {
                frames = marker.Frames;
                return true;
            }
        }
        catch (JsonException)
        {
        }
        return false;
    }

    public static void MarkDone(string folder, string input, long frames)
    {
        var info = new FileInfo(input);
        var marker = new Marker(info.FullName, info.Length, info.LastWriteTimeUtc.Ticks, frames);
        File.WriteAllText(Path.Combine(folder, MarkerName), JsonSerializer.Serialize(marker));
    }

    /// <summary>Prepares <paramref name="folder"/> for a run and returns the first frame to compute:
    /// 0 for a fresh start (old outputs removed), or the frame after the last one every stage finished.</summary>
    /// <param name="logFiles">JSON-lines files of messages that are not one per frame (events, reviews):
    /// lines written for frames from the resume point on are cut, so the rerun writes them once.</param>
    public static long Prepare(string folder, IReadOnlyList<string> stageFiles, IReadOnlyList<string>? logFiles = null)
    {
        Directory.CreateDirectory(folder);
        File.Delete(Path.Combine(folder, MarkerName));
        var complete = stageFiles.Select(f => CompleteLines(Path.Combine(folder, f))).ToList();
        var resumeAt = complete.Count == 0 ? 0 : complete.Min();
        foreach (var file in stageFiles)
        {
            KeepLines(Path.Combine(folder, file), resumeAt);
        }
        foreach (var file in logFiles ?? [])
        {
            KeepBefore(Path.Combine(folder, file), resumeAt);
        }
        return resumeAt;
    }

    /// <summary>Keeps the complete lines whose seq is below <paramref name="seq"/> (a fresh start keeps none).</summary>
    private static void KeepBefore(string path, long seq)
    {
        if (!File.Exists(path))
        {
            return;
        }
        var kept = new List<string>();
        foreach (var line in File.ReadAllText(path).Split('\n'))
        {
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.GetProperty("seq").GetInt64() < seq)
                {
                    kept.Add(line);
                }
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                // A partial last line (the run was killed while writing it): dropped.
            }
        }
        File.WriteAllText(path, kept.Count == 0 ? "" : string.Join('\n', kept) + "\n");
    }

    /// <summary>Lines that end in a newline and whose seq equals their position (0, 1, 2…).</summary>
    private static long CompleteLines(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }
        long count = 0;
        using var reader = new StreamReader(path, Encoding.UTF8);
        var text = reader.ReadToEnd();
        var start = 0;
        while (true)
        {
            var end = text.IndexOf('\n', start);
            if (end < 0)
            {
                break;
            }
            try
            {
                using var doc = JsonDocument.Parse(text.AsMemory(start, end - start));
                if (doc.RootElement.GetProperty("seq").GetInt64() != count)
                {
                    break;
                }
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                break;
            }
            count++;
            start = end + 1;
        }
        return count;
    }

    private static void KeepLines(string path, long lines)
    {
        if (!File.Exists(path))
        {
            return;
        }
        if (lines == 0)
        {
            File.Delete(path);
            return;
        }
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        long seen = 0;
        long position = 0;
        int b;
        while ((b = file.ReadByte()) >= 0)
        {
            position++;
            if (b == '\n' && ++seen == lines)
            {
                break;
            }
        }
        file.SetLength(position);
    }
}
