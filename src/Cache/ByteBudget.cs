namespace StreamVision.Cache;

/// <summary>
/// A hard limit on bytes held. Holders reserve before they keep something and release what they
/// give back, so <see cref="Held"/> is the sum of what is actually kept, never an estimate.
/// Budgets nest: a per-camera budget can draw on an overall one, and a reservation succeeds only
/// when every level has room.
/// </summary>
public sealed class ByteBudget
{
    private readonly ByteBudget? _parent;
    private long _held;
    private long _peak;

    public ByteBudget(string name, long limitBytes, ByteBudget? parent = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limitBytes);
        Name = name;
        Limit = limitBytes;
        _parent = parent;
    }

    /// <summary>The default multimodal cache budget: 2 GiB.</summary>
    public const long DefaultLimitBytes = 2L * 1024 * 1024 * 1024;

    public string Name { get; }
    public long Limit { get; }
    public long Held => Interlocked.Read(ref _held);
    public long Peak => Interlocked.Read(ref _peak);
    public long Available => Math.Max(0, Limit - Held);

    /// <summary>What can be reserved here right now: the least room at this level or any parent's.</summary>
    public long AvailableInHierarchy => Math.Min(Available, _parent?.AvailableInHierarchy ?? long.MaxValue);

    /// <summary>Reserves <paramref name="bytes"/> if this budget and every parent have room.</summary>
    public bool TryReserve(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        while (true)
        {
            var held = Interlocked.Read(ref _held);
            if (held + bytes > Limit)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _held, held + bytes, held) == held)
            {
                break;
            }
        }
        if (_parent is not null && !_parent.TryReserve(bytes))
        {
            Interlocked.Add(ref _held, -bytes);
            return false;
        }
        UpdatePeak();
        return true;
    }

    public void Release(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var after = Interlocked.Add(ref _held, -bytes);
        if (after < 0)
        {
            Interlocked.Add(ref _held, bytes);
            throw new InvalidOperationException($"budget '{Name}': released {bytes} bytes but only {after + bytes} were held.");
        }
        _parent?.Release(bytes);
    }

    private void UpdatePeak()
    {
        var held = Interlocked.Read(ref _held);
        long peak;
        while (held > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, held, peak) != peak)
        {
        }
    }

    public override string ToString() => $"{Name}: {Held:N0} of {Limit:N0} bytes";
}
