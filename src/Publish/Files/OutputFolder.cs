namespace StreamVision.Publish.Files;

/// <summary>
/// Batch output into a folder: one JSON-lines file per (stream, task) and binary companions as
/// files beside it. Lines are appended (a resumed run continues a file) and flushed one by one, so
/// a killed process leaves at most one partial last line.
/// </summary>
public sealed class OutputFolder : IDisposable
{
    private readonly string _root;
    private readonly Dictionary<string, FileStream> _lines = new();
    private readonly object _lock = new();

    public OutputFolder(string root)
    {
        _root = Path.GetFullPath(root);
        try
        {
            Directory.CreateDirectory(_root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"output folder '{_root}' cannot be created ({e.Message}); choose another --out.", e);
        }
    }

    public string Root => _root;

    /// <summary>Appends one line (UTF-8 JSON, no newline inside) to <paramref name="relativeFile"/>.</summary>
    public void AppendLine(string relativeFile, ReadOnlySpan<byte> utf8Line)
    {
        lock (_lock)
        {
            if (!_lines.TryGetValue(relativeFile, out var writer))
            {
                var path = Resolve(relativeFile);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                writer = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16);
                _lines[relativeFile] = writer;
            }
            writer.Write(utf8Line);
            writer.WriteByte((byte)'\n');
            writer.Flush();
        }
    }

    /// <summary>Closes the open line files so everything written so far is on disk.</summary>
    /// <summary>Writes and closes every open file; throws <see cref="IOException"/> (e.g. the disk is
    /// full) after closing them all.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            IOException? failed = null;
            foreach (var writer in _lines.Values)
            {
                try
                {
                    writer.Dispose();
                }
                catch (IOException e)
                {
                    failed ??= e;
                }
            }
            _lines.Clear();
            if (failed is not null)
            {
                throw failed;
            }
        }
    }

    public void WriteFile(string relativePath, ReadOnlySpan<byte> content)
    {
        var path = Resolve(relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        file.Write(content);
    }

    private string Resolve(string relative)
    {
        var path = Path.GetFullPath(Path.Combine(_root, relative));
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{relative}' would write outside the output folder '{_root}'.");
        }
        return path;
    }

    /// <summary>Closes the files; a failure to write their last bytes was reported by <see cref="Flush"/>
    /// or by the write itself, so it is not thrown again here.</summary>
    public void Dispose()
    {
        try
        {
            Flush();
        }
        catch (IOException)
        {
        }
    }
}
