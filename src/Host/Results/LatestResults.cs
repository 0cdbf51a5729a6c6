using System.Collections.Concurrent;

namespace StreamVision.Host.Results;

/// <summary>The last encoded result of every (camera, stage), for the REST API and the live page.
/// Holds one JSON and its companions per pair: memory is bounded by cameras × stages.</summary>
public sealed class LatestResults
{
    private readonly ConcurrentDictionary<(string Camera, string Stage), EncodedResult> _latest = new();

    public void Store(string camera, string stage, EncodedResult result) => _latest[(camera, stage)] = result;

    public EncodedResult? Get(string camera, string stage) => _latest.GetValueOrDefault((camera, stage));

    /// <summary>Forgets a removed camera.</summary>
    public void Forget(string camera)
    {
        foreach (var key in _latest.Keys.Where(k => k.Camera == camera))
        {
            _latest.TryRemove(key, out _);
        }
    }
}
