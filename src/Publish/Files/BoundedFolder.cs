namespace StreamVision.Publish.Files;

/// <summary>
/// A folder of media files (event snapshots, clips) kept within a byte bound and an age bound: after
/// each write, files older than the age go, then the oldest files until the folder fits. What it
/// holds is indexed at start (files left by an earlier run count) and kept in memory, so a write costs
/// no folder scan. Files are written whole or not at all (temporary name, then renamed).
/// </summary>
public sealed class BoundedFolder
{
    private readonly Dictionary<string, (long Bytes, DateTime Written)> _files = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private long _bytes;

    public BoundedFolder(string root, long maxBytes, TimeSpan maxAge, TimeProvider? clock = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        Root = Path.GetFullPath(root);
        MaxBytes = maxBytes;
        MaxAge = maxAge;
        _clock = clock ?? TimeProvider.System;
        try
        {
            Directory.CreateDirectory(Root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"media folder '{Root}' cannot be created ({e.Message}); choose another folder or fix its permissions.", e);
        }
        foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
        {
            if (file.EndsWith(".partial", StringComparison.Ordinal))
            {
                File.Delete(file); // left by a run that died while writing
                continue;
            }
            var info = new FileInfo(file);
            _files[Path.GetRelativePath(Root, file)] = (info.Length, info.LastWriteTimeUtc);
            _bytes += info.Length;
        }
        Trim();
    }

    public string Root { get; }
    public long MaxBytes { get; }
    public TimeSpan MaxAge { get; }

    /// <summary>Bytes the folder holds now.</summary>
    public long Bytes
    {
        get
        {
            lock (_files)
            {
                return _bytes;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_files)
            {
                return _files.Count;
            }
        }
    }

    /// <summary>Writes (or replaces) <paramref name="relativePath"/>, then brings the folder within its bounds.</summary>
    public void Write(string relativePath, ReadOnlySpan<byte> bytes)
    {
        var path = Resolve(relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = path + ".partial";
        try
        {
            using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Write(bytes);
            }
            File.Move(partial, path, overwrite: true);
        }
        catch
        {
            File.Delete(partial); // a full disk leaves no half file behind
            throw;
        }
        Added(relativePath, bytes.Length);
    }

    /// <summary>Counts a file something else wrote into the folder (e.g. ffmpeg writing a clip), then trims.</summary>
    public void Added(string relativePath, long bytes)
    {
        var key = Path.GetRelativePath(Root, Resolve(relativePath));
        lock (_files)
        {
            if (_files.Remove(key, out var old))
            {
                _bytes -= old.Bytes;
            }
            _files[key] = (bytes, _clock.GetUtcNow().UtcDateTime);
            _bytes += bytes;
        }
        Trim();
    }

    /// <summary>The full path of a file the folder holds, or null.</summary>
    public string? PathOf(string relativePath)
    {
        var path = Resolve(relativePath);
        lock (_files)
        {
            return _files.ContainsKey(Path.GetRelativePath(Root, path)) && File.Exists(path) ? path : null;
        }
    }

    /// <summary>A full path inside the folder for <paramref name="relativePath"/>; a path that would
    /// leave it (../, absolute) is refused.</summary>
    public string Resolve(string relativePath)
    {
        var path = Path.GetFullPath(Path.Combine(Root, relativePath));
        return path.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? path
            : throw new ArgumentException($"'{relativePath}' is not a path inside the media folder '{Root}'.", nameof(relativePath));
    }

    private void Trim()
    {
        List<string> doomed;
        lock (_files)
        {
            var oldest = _clock.GetUtcNow().UtcDateTime - MaxAge;
            doomed = _files.Where(f => f.Value.Written < oldest).Select(f => f.Key).ToList();
            var bytes = _bytes - doomed.Sum(d => _files[d].Bytes);
            if (bytes > MaxBytes)
            {
                foreach (var (key, file) in _files.Where(f => !doomed.Contains(f.Key)).OrderBy(f => f.Value.Written).ThenBy(f => f.Key, StringComparer.Ordinal))
                {
                    if (bytes <= MaxBytes)
                    {
                        break;
                    }
                    doomed.Add(key);
                    bytes -= file.Bytes;
                }
            }
            foreach (var key in doomed)
            {
                _bytes -= _files[key].Bytes;
                _files.Remove(key);
            }
        }
        foreach (var key in doomed)
        {
            try
            {
                File.Delete(Path.Combine(Root, key));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone already or not ours to delete: it no longer counts either way.
            }
        }
    }
}
