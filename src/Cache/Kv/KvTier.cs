namespace StreamVision.Cache.Kv;

/// <summary>A slower place for KV matrices (HeadInfer's offload): host memory, then disk.</summary>
public interface IKvTier
{
    string Name { get; }

    /// <summary>Bytes held in this tier.</summary>
    long Bytes { get; }

    /// <summary>Keeps <paramref name="data"/> under <paramref name="key"/>; false when the tier is full.</summary>
    bool Store(string key, byte[] data);

    byte[] Load(string key);

    void Remove(string key);
}

/// <summary>Host memory with its own byte budget.</summary>
public sealed class MemoryTier(ByteBudget budget) : IKvTier
{
    private readonly Dictionary<string, byte[]> _items = new();

    public string Name => budget.Name;
    public long Bytes => budget.Held;

    public bool Store(string key, byte[] data)
    {
        lock (_items)
        {
            Remove(key);
            if (!budget.TryReserve(data.Length))
            {
                return false;
            }
            _items[key] = data;
            return true;
        }
    }

    public byte[] Load(string key)
    {
        lock (_items)
        {
            return _items[key];
        }
    }

    public void Remove(string key)
    {
        lock (_items)
        {
            if (_items.Remove(key, out var old))
            {
                budget.Release(old.Length);
            }
        }
    }
}

/// <summary>Files in a folder (one per matrix), bounded by a byte budget.</summary>
public sealed class DiskTier : IKvTier
{
    private readonly string _directory;
    private readonly ByteBudget _budget;
    private readonly Dictionary<string, long> _sizes = new();

    public DiskTier(string directory, ByteBudget budget)
    {
        _directory = directory;
        _budget = budget;
        Directory.CreateDirectory(directory);
    }

    public string Name => _budget.Name;
    public long Bytes => _budget.Held;

    private string PathOf(string key) => Path.Combine(_directory, key + ".kv");

    public bool Store(string key, byte[] data)
    {
        lock (_sizes)
        {
            Remove(key);
            if (!_budget.TryReserve(data.Length))
            {
                return false;
            }
            File.WriteAllBytes(PathOf(key), data);
            _sizes[key] = data.Length;
            return true;
        }
    }

    public byte[] Load(string key) => File.ReadAllBytes(PathOf(key));

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
}

/// <summary>The offloaded form of a matrix: its float32 values, little-endian.</summary>
internal static class KvSerializer
{
    public static byte[] Write(ReadOnlySpan<float> values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray();

    public static void Read(byte[] data, Span<float> into) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(data).CopyTo(into);
}
