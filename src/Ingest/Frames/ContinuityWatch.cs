namespace StreamVision.Ingest.Frames;

/// <summary>
/// Tells one consumer of a camera's frames when the stream it sees started over. A live stage drops
/// its oldest queued frames, so the one frame flagged <see cref="Frame.Discontinuity"/> after a
/// reconnect or loop may never reach it; each frame also carries its <see cref="Frame.Session"/>, and a
/// change of session is a discontinuity too.
/// </summary>
public sealed class ContinuityWatch
{
    private long _session = -1;

    /// <summary>True for the first frame this consumer sees and whenever the stream started over since the
    /// last one; call once per frame.</summary>
    public bool StartsOver(Frame frame)
    {
        var startsOver = frame.Discontinuity || frame.Session != _session;
        _session = frame.Session;
        return startsOver;
    }
}
