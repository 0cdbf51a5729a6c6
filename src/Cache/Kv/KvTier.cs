using System.Runtime.InteropServices;

namespace StreamVision.Cache.Kv;

/// <summary>A slower place for KV matrices (HeadInfer's offload): host memory, then disk. Each tier
/// counts what it holds in a budget of its own, outside the camera's.</summary>
public interface IKvTier
{
    string Name { get; }

    /// <summary>Bytes held in this tier.</summary>
    long Bytes { get; }

    /// <summary>Keeps <paramref name="values"/> under <paramref name="key"/>, replacing what was there
    /// (a replacement reserves only what it adds, so one that does not grow always succeeds); false
    /// when the tier is full, with what was there kept.</summary>
    bool Store(string key, ReadOnlySpan<float> values);

    /// <summary>Copies the values kept under <paramref name="key"/> into <paramref name="into"/>.</summary>
    void Load(string key, Span<float> into);

    void Remove(string key);
}

/// <summary>
/// Host memory outside the managed heap (one native allocation per matrix, 64-byte aligned, so a
/// GPU build can pin and copy it without the garbage collector moving it), with its own byte budget.
/// </summary>
public sealed unsafe class HostMemoryTier(ByteBudget budget) : IKvTier, IDisposable
{
    private readonly Dictionary<string, (nint Pointer, int Length)> _items = new();

    public string Name => budget.Name;
    public long Bytes => budget.Held;

    public bool Store(string key, ReadOnlySpan<float> values)
    {
        lock (_items)
        {
            var bytes = (long)values.Length * sizeof(float);
            var old = _items.TryGetValue(key, out var item) ? (long)item.Length * sizeof(float) : 0;
            if (bytes > old && !budget.TryReserve(bytes - old))
            {
                return false;
            }
            var pointer = (nint)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 64);
            values.CopyTo(new Span<float>((void*)pointer, values.Length));
            if (old > 0 || _items.ContainsKey(key))
            {
                NativeMemory.AlignedFree((void*)item.Pointer);
            }
            if (bytes < old)
            {
                budget.Release(old - bytes);
            }
            _items[key] = (pointer, values.Length);
            return true;
        }
    }

    public void Load(string key, Span<float> into)
    {
        lock (_items)
        {
            var (pointer, length) = _items[key];
            new ReadOnlySpan<float>((void*)pointer, length).CopyTo(into);
        }
    }

    public void Remove(string key)
    {
        lock (_items)
        {
            if (_items.Remove(key, out var item))
            {
                NativeMemory.AlignedFree((void*)item.Pointer);
                budget.Release((long)item.Length * sizeof(float));
            }
        }
    }

    public void Dispose()
    {
        lock (_items)
        {
            foreach (var key in _items.Keys.ToList())
            {
                Remove(key);
            }
        }
    }
}

/// <summary>
/// Files in a folder (one per matrix, raw little-endian float32), bounded by a byte budget. The tier
/// owns its folder: it is emptied when the tier is made and when it is disposed.
/// </summary>
public sealed class DiskTier : IKvTier, IDisposable
{
    private readonly string _directory;
    private readonly ByteBudget _budget;
    private readonly Dictionary<string, long> _sizes = new();

    public DiskTier(string directory, ByteBudget budget)
    {
        _directory = directory;
        _budget = budget;
        Directory.CreateDirectory(directory);
        Empty();
    }

    public string Name => _budget.Name;
    public long Bytes => _budget.Held;
    public string Folder => _directory;

    private string PathOf(string key) => Path.Combine(_directory, key + ".kv");

    public bool Store(string key, ReadOnlySpan<float> values)
    {
        lock (_sizes)
        {
            var bytes = MemoryMarshal.AsBytes(values);
            var old = _sizes.GetValueOrDefault(key);
            if (bytes.Length > old && !_budget.TryReserve(bytes.Length - old))
            {
                return false;
            }
            try
            {
                using var file = File.Create(PathOf(key));
                file.Write(bytes);
            }
            catch (IOException) when (old == 0)
            {
                // Disk full or gone: treated as a full tier, the values stay where they were.
                _budget.Release(bytes.Length);
                File.Delete(PathOf(key));
                return false;
            }
            catch (IOException)
            {
                // A replacement could not be written: what was kept under the key is gone.
                _budget.Release(Math.Max(bytes.Length, old));
                _sizes.Remove(key);
                File.Delete(PathOf(key));
                throw;
            }
            if (bytes.Length < old)
            {
                _budget.Release(old - bytes.Length);
            }
            _sizes[key] = bytes.Length;
            return true;
        }
    }

    public void Load(string key, Span<float> into)
    {
        using var file = File.OpenRead(PathOf(key));
        file.ReadExactly(MemoryMarshal.AsBytes(into[..(int)(file.Length / sizeof(float))]));
    }

    public void Remove(string key)
    {
        lock (_sizes)
        {
            if (_sizes.Remove(key, out var size))
            {
                File.Delete(PathOf(key));
                _budget.Release(size);
            }
        }
    }

    private void Empty()
    {
        foreach (var file in Directory.EnumerateFiles(_directory, "*.kv"))
        {
            File.Delete(file);
        }
    }

    public void Dispose()
    {
        lock (_sizes)
        {
            foreach (var key in _sizes.Keys.ToList())
            {
                Remove(key);
            }
            Empty();
        }
    }
}
