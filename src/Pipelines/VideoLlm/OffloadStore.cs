using System.Security.Cryptography;
using System.Text;
using StreamVision.Cache;
using StreamVision.Cache.Kv;
using StreamVision.Pipelines.Configuration;

namespace StreamVision.Pipelines.VideoLlm;

/// <summary>Where offloaded KV may go, for all cameras together: host memory, then a folder on disk.</summary>
public sealed record OffloadSettings(long HostBytes, string? DiskDirectory, long DiskBytes)
{
    public static OffloadSettings None { get; } = new(0, null, 0);

    public bool Enabled => HostBytes > 0 || DiskDirectory is not null && DiskBytes > 0;
}

/// <summary>
/// The VideoLLM's offload tiers (HeadInfer): one host-memory and one disk budget shared by all
/// cameras, each camera with tiers of its own drawing on them (so its offloaded bytes are known).
/// The disk folder is the service's: it is claimed with a marker file (a folder holding other
/// things is refused, not emptied), emptied at start and emptied again at stop.
/// </summary>
public sealed class OffloadStore : IDisposable
{
    public const string MarkerFile = ".streamvision-kv";
    private readonly OffloadSettings _settings;
    private readonly ByteBudget? _host;
    private readonly ByteBudget? _disk;

    public OffloadStore(OffloadSettings settings)
    {
        _settings = settings;
        _host = settings.HostBytes > 0 ? new ByteBudget("videollm/offload/host", settings.HostBytes) : null;
        if (settings.DiskDirectory is { } directory && settings.DiskBytes > 0)
        {
            Claim(directory);
            _disk = new ByteBudget("videollm/offload/disk", settings.DiskBytes);
        }
    }

    public bool Enabled => _host is not null || _disk is not null;

    /// <summary>A camera's tiers (null where that tier is off).</summary>
    public (HostMemoryTier? Host, DiskTier? Disk) ForCamera(string camera)
    {
        var host = _host is null ? null : new HostMemoryTier(new ByteBudget($"videollm/{camera}/offload/host", _host.Limit, _host));
        var disk = _disk is null ? null : new DiskTier(CameraFolder(camera), new ByteBudget($"videollm/{camera}/offload/disk", _disk.Limit, _disk));
        return (host, disk);
    }

    /// <summary>The camera's folder, named from a hash of its id (ids may hold any character).</summary>
    public string CameraFolder(string camera) =>
        Path.Combine(_settings.DiskDirectory!, "camera-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(camera)))[..16]);

    private static void Claim(string directory)
    {
        Directory.CreateDirectory(directory);
        var marker = Path.Combine(directory, MarkerFile);
        if (!File.Exists(marker) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new ConfigurationException(
                $"stages.videollm.offload.disk_dir '{directory}' is not empty and was not made by StreamVision (no {MarkerFile} in it); the service empties that folder at start and stop, so give it an empty or new folder.");
        }
        File.WriteAllText(marker, "StreamVision's offloaded VideoLLM KV; emptied at every start and stop.\n");
        Empty(directory);
    }

    private static void Empty(string directory)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory))
        {
            if (Path.GetFileName(entry) == MarkerFile)
            {
                continue;
            }
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
            }
        }
    }

    public void Dispose()
    {
        if (_disk is not null && Directory.Exists(_settings.DiskDirectory))
        {
            Empty(_settings.DiskDirectory!);
        }
    }
}
