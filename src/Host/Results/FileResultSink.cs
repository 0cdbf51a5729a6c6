using System.Globalization;
using StreamVision.Pipelines.Graph;
using StreamVision.Publish.Files;

namespace StreamVision.Host.Results;

/// <summary>Batch output: &lt;out&gt;/&lt;camera&gt;/&lt;task&gt;.jsonl (one line per frame) and companions
/// as &lt;out&gt;/&lt;camera&gt;/&lt;task&gt;/&lt;seq&gt;[-&lt;kind&gt;].&lt;ext&gt; (the mask keeps the plain name).</summary>
public sealed class FileResultSink(OutputFolder files, ResultEncoding encoding) : IResultSink
{
    public void Write(StageResult r)
    {
        var seq = r.Sequence.ToString("D6", CultureInfo.InvariantCulture);
        string PathOf(string kind, string extension) => $"{r.CameraId}/{r.Stage}/{seq}{(kind == "mask" ? "" : "-" + kind)}{extension}";
        var encoded = encoding.Encode(r, DateTimeOffset.UtcNow, kind => PathOf(kind, kind switch { "mask" or "depth" or "image" => ".png", "field" => ".f16", _ => ".bin" }));
        // Companions first: a JSON line on disk then always has its files (batch resume relies on it).
        foreach (var companion in encoded.Companions)
        {
            files.WriteFile(PathOf(companion.Kind, companion.FileExtension), companion.Bytes);
        }
        foreach (var extra in encoded.Extras)
        {
            if (extra.AppendLine)
            {
                files.AppendLine(extra.File, extra.Bytes);
            }
            else
            {
                files.WriteFile(extra.File, extra.Bytes);
            }
        }
        if (encoded.Json.Length > 0)
        {
            files.AppendLine($"{r.CameraId}/{r.Stage}.jsonl", encoded.Json);
        }
    }
}
