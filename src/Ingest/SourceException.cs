namespace StreamVision.Ingest;

/// <summary>A source could not be opened or read. The message names the input and what to do.</summary>
public sealed class SourceException(string message, Exception? inner = null) : Exception(message, inner);
