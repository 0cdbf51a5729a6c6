namespace StreamVision.Host.Results;

/// <summary>A binary payload that travels next to a result's JSON (a mask PNG, a flow field…).
/// <paramref name="Kind"/> names it in topics (<c>…/&lt;task&gt;/&lt;kind&gt;</c>) and files.</summary>
public sealed record Companion(string Kind, string ContentType, string FileExtension, byte[] Bytes);

/// <summary>A message of a result on a topic of its own, outside &lt;camera&gt;/&lt;task&gt; (an event on
/// &lt;prefix&gt;/events, a snapshot on &lt;prefix&gt;/&lt;camera&gt;/&lt;label&gt;/snapshot).</summary>
/// <param name="Topic">Topic below the prefix.</param>
/// <param name="File">Where a batch keeps it, below the output folder.</param>
/// <param name="AppendLine">The file is JSON lines and this message one more line; else the message is the whole file.</param>
public sealed record ExtraMessage(string Topic, byte[] Bytes, string ContentType, bool Retain, string File, bool AppendLine)
{
    public IReadOnlyList<KeyValuePair<string, string>> UserProperties { get; init; } = [];
}

/// <summary>A result ready to leave the process: its JSON (empty: none, e.g. a stream's final word),
/// its companions and its messages on topics of their own.</summary>
public sealed record EncodedResult(byte[] Json, IReadOnlyList<Companion> Companions)
{
    public IReadOnlyList<ExtraMessage> Extras { get; init; } = [];
}
