using System.Globalization;
using StreamVision.Pipelines.Segmentation;
using StreamVision.Publish.Files;

namespace StreamVision.Host.Results;

/// <summary>Batch output: &lt;out&gt;/&lt;camera&gt;/segmentation.jsonl (one line per frame) and
/// &lt;out&gt;/&lt;camera&gt;/segmentation/&lt;seq&gt;.png masks.</summary>
public sealed class FileResultSink(ResultFileSink files, bool writeMasks) : IResultSink
{
    public void Write(SegmentationResult r)
    {
        var maskPath = writeMasks ? $"{r.CameraId}/{r.Stage}/{r.Sequence.ToString("D6", CultureInfo.InvariantCulture)}.png" : null;
        // Mask first: a JSON line on disk then always has its mask (batch resume relies on it).
        if (maskPath is not null)
        {
            files.WriteFile(maskPath, SegmentationEncoder.MaskPng(r));
        }
        files.AppendLine($"{r.CameraId}/{r.Stage}.jsonl", SegmentationEncoder.Json(r, DateTimeOffset.UtcNow, maskPath));
    }
}
