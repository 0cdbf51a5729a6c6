namespace StreamVision.Host.Results;

/// <summary>A binary payload that travels next to a result's JSON (a mask PNG, a flow field…).
/// <paramref name="Kind"/> names it in topics (<c>…/&lt;task&gt;/&lt;kind&gt;</c>) and files.</summary>
public sealed record Companion(string Kind, string ContentType, string FileExtension, byte[] Bytes);

/// <summary>A result ready to leave the process: its JSON and its companions.</summary>
public sealed record EncodedResult(byte[] Json, IReadOnlyList<Companion> Companions);
