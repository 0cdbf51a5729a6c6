using System.Collections.Concurrent;
using OpenCvSharp;
using StreamVision.Ingest.Frames;

namespace StreamVision.Host.Hosting;

/// <summary>
/// The latest picture of each camera for viewers (the live page, REST). Frames are copied only
/// while someone looked in the last <see cref="WatchWindow"/>, at most every <see cref="Interval"/>,
/// into one reused image per camera; JPEG encoding happens when a viewer asks, once per picture.
/// </summary>
public sealed class FrameSnapshots : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan WatchWindow = TimeSpan.FromSeconds(10);

    private sealed class Snapshot
    {
        public readonly Mat Image = new();
        public long Sequence = -1;
        public long TakenAt;
        public long RequestedAt;
        public byte[]? Jpeg;
    }

    private readonly ConcurrentDictionary<string, Snapshot> _snapshots = new();

    /// <summary>Called with every frame (pipeline tap).</summary>
    public void Offer(Frame frame)
    {
        var snapshot = _snapshots.GetOrAdd(frame.CameraId, _ => new Snapshot { RequestedAt = Environment.TickCount64 });
        var now = Environment.TickCount64;
        if (now - Volatile.Read(ref snapshot.RequestedAt) > WatchWindow.TotalMilliseconds || now - snapshot.TakenAt < Interval.TotalMilliseconds)
        {
            return;
        }
        lock (snapshot)
        {
            if (snapshot.Image.IsDisposed)
            {
                return; // the camera was just removed
            }
            frame.Mat.CopyTo(snapshot.Image);
            snapshot.Sequence = frame.Sequence;
            snapshot.TakenAt = now;
            snapshot.Jpeg = null;
        }
    }

    /// <summary>The latest picture as JPEG with its sequence number, or null before the first one.</summary>
    public (byte[] Jpeg, long Sequence)? Latest(string camera)
    {
        if (!_snapshots.TryGetValue(camera, out var snapshot))
        {
            return null;
        }
        Volatile.Write(ref snapshot.RequestedAt, Environment.TickCount64);
        lock (snapshot)
        {
            if (snapshot.Sequence < 0)
            {
                return null;
            }
            snapshot.Jpeg ??= snapshot.Image.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 80));
            return (snapshot.Jpeg, snapshot.Sequence);
        }
    }

    public void Forget(string camera)
    {
        if (_snapshots.TryRemove(camera, out var snapshot))
        {
            lock (snapshot)
            {
                snapshot.Image.Dispose();
            }
        }
    }

    public void Dispose()
    {
        foreach (var camera in _snapshots.Keys)
        {
            Forget(camera);
        }
    }
}
