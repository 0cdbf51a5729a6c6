using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using StreamVision.Ingest.Frames;
using StreamVision.Ingest.Sources;

namespace StreamVision.Ingest.Decoders;

/// <summary>Watching the ffmpeg process: the stall watchdog and its standard error (frame pts from showinfo, stream details, the last error line).</summary>
public sealed partial class FfmpegProcessDecoder
{
    private void CheckStall()
    {
        var since = Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastFrameTicks));
        if (since > _stallTimeout && _process is { HasExited: false })
        {
            _stalled = true;
            Kill();
        }
    }

    private void ReadStandardError()
    {
        var stderr = _process!.StandardError;
        while (stderr.ReadLine() is { } line)
        {
            if (line.Contains("Parsed_showinfo", StringComparison.Ordinal))
            {
                // The integer pts in the filter's time base is exact; pts_time is printed with six
                // significant digits, which after a few minutes is coarser than a frame interval.
                var m = ShowInfoPts().Match(line);
                if (m.Success && long.TryParse(m.Groups[2].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ticks))
                {
                    var seconds = _timeBase is { } tb ? ticks * (double)tb.Num / tb.Den
                        : double.TryParse(m.Groups[3].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var printed) ? printed : double.NaN;
                    if (!double.IsNaN(seconds) && long.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out var index))
                    {
                        _pts.Enqueue((index, seconds));
                        _ptsArrived.Release();
                    }
                }
                else if (ShowInfoTimeBase().Match(line) is { Success: true } tbMatch
                    && long.TryParse(tbMatch.Groups[1].Value, CultureInfo.InvariantCulture, out var num) && long.TryParse(tbMatch.Groups[2].Value, CultureInfo.InvariantCulture, out var den) && num > 0 && den > 0)
                {
                    _timeBase = (num, den);
                }
                continue;
            }
            var output = OutputStream().Match(line);
            if (output.Success && !_formatKnown.IsSet)
            {
                _outputWidth = int.Parse(output.Groups[1].Value, CultureInfo.InvariantCulture);
                _outputHeight = int.Parse(output.Groups[2].Value, CultureInfo.InvariantCulture);
                var fps = Fps().Match(line);
                if (fps.Success)
                {
                    _outputFps = double.Parse(fps.Groups[1].Value, CultureInfo.InvariantCulture);
                }
                _formatKnown.Set();
                continue;
            }
            if (line.Contains("Stream #", StringComparison.Ordinal) && line.Contains("Video:", StringComparison.Ordinal) && Fps().Match(line) is { Success: true } inputFps)
            {
                _inputFps = double.Parse(inputFps.Groups[1].Value, CultureInfo.InvariantCulture);
            }
            lock (_linesLock)
            {
                _lastLines.Enqueue(SourceUrl.MaskCredentials(ShowCameraAddress(line.Trim())));
                while (_lastLines.Count > 8)
                {
                    _lastLines.Dequeue();
                }
            }
        }
    }

    /// <summary>The most telling recent ffmpeg line (errors first), password masked.</summary>
    private string LastError()
    {
        lock (_linesLock)
        {
            var lines = _lastLines.ToArray();
            var error = lines.LastOrDefault(l => l.Contains("rror", StringComparison.Ordinal) || l.Contains("refused", StringComparison.OrdinalIgnoreCase)
                || l.Contains("not found", StringComparison.OrdinalIgnoreCase) || l.Contains("Invalid", StringComparison.Ordinal) || l.Contains("timed out", StringComparison.OrdinalIgnoreCase))
                ?? lines.LastOrDefault();
            return error ?? "no output from ffmpeg";
        }
    }

    [GeneratedRegex(@"\bn:\s*(\d+)\s+pts:\s*(-?\d+)\s+pts_time:\s*(-?[0-9.eE+-]+)")]
    private static partial Regex ShowInfoPts();

    [GeneratedRegex(@"config in time_base:\s*(\d+)/(\d+)")]
    private static partial Regex ShowInfoTimeBase();

    [GeneratedRegex(@"Video: rawvideo.*?, (\d{2,5})x(\d{2,5})")]
    private static partial Regex OutputStream();

    [GeneratedRegex(@"([0-9]+(?:\.[0-9]+)?) fps")]
    private static partial Regex Fps();
}
