using StreamVision.Ingest.Frames;

namespace StreamVision.Pipelines.Graph;

/// <summary>
/// Brings together, for one camera, the results its producers gave for each frame and hands frame
/// and results to the consuming stage in frame order. Producers process frames in order, so once a
/// producer reports frame N it will never report an earlier one: a frame is complete when every
/// producer has reported it or passed it (dropped it, or had nothing to say). Frames wait at most
/// <see cref="CapacityFor"/> deep: a batch never gets further apart than that (its producers are fed
/// losslessly from one source), and live drops the oldest waiting frame, counted as the consumer's.
/// </summary>
internal sealed class ResultJoin
{
    private readonly StageRunner _consumer;
    private readonly StageRunner[] _producers;
    private readonly long[] _reached;
    private readonly bool[] _ended;
    private readonly SortedList<long, Waiting> _waiting = new();
    private readonly int _capacity;

    private sealed class Waiting(Frame frame, int producers)
    {
        public Frame Frame { get; } = frame;
        public StageResult?[] Results { get; } = new StageResult?[producers];
    }

    public ResultJoin(StageRunner consumer, StageRunner[] producers, DeliveryPolicy policy)
    {
        _consumer = consumer;
        _producers = producers;
        _reached = Enumerable.Repeat(long.MinValue, producers.Length).ToArray();
        _ended = new bool[producers.Length];
        _capacity = CapacityFor(policy);
        for (var i = 0; i < producers.Length; i++)
        {
            producers[i].Feeds(this, i);
        }
    }

    /// <summary>Frames that may wait for their last producer.</summary>
    public static int CapacityFor(DeliveryPolicy policy) => policy.QueueCapacity + 2;

    /// <summary>Producer <paramref name="producer"/> is done with <paramref name="frame"/>; its result (or
    /// null) is retained here until the consumer is done with it. Called on the producer's thread; in a
    /// batch it waits while the consumer's queue is full.</summary>
    public void Report(int producer, Frame frame, StageResult? result)
    {
        lock (_waiting)
        {
            if (!_waiting.TryGetValue(frame.Sequence, out var waiting))
            {
                if (frame.Sequence <= Completed)
                {
                    return; // passed already (a late producer after the others dropped it)
                }
                frame.AddRef();
                waiting = new Waiting(frame, _producers.Length);
                _waiting.Add(frame.Sequence, waiting);
            }
            if (result is not null)
            {
                result.Retain();
                waiting.Results[producer] = result;
            }
            _reached[producer] = frame.Sequence;
            HandOn();
            while (_waiting.Count > _capacity)
            {
                // Live only: the slowest producer fell behind; the oldest frame goes.
                var oldest = _waiting.Values[0];
                _waiting.RemoveAt(0);
                Completed = Math.Max(Completed, oldest.Frame.Sequence);
                _consumer.Stats.CountDropped();
                Discard(oldest.Frame, oldest.Results);
            }
        }
    }

    /// <summary>Producer <paramref name="producer"/> will report nothing more; when none will, the
    /// consumer's input is completed.</summary>
    public void Ended(int producer)
    {
        lock (_waiting)
        {
            _ended[producer] = true;
            HandOn();
            if (_ended.All(e => e))
            {
                _consumer.Complete();
            }
        }
    }

    private long Completed { get; set; } = long.MinValue;

    private void HandOn()
    {
        var reachedByAll = long.MaxValue;
        for (var i = 0; i < _producers.Length; i++)
        {
            // A producer switched off for this camera, or ended, holds nothing back.
            if (!_ended[i] && _producers[i].Enabled)
            {
                reachedByAll = Math.Min(reachedByAll, _reached[i]);
            }
        }
        while (_waiting.Count > 0 && _waiting.Keys[0] <= reachedByAll)
        {
            var ready = _waiting.Values[0];
            _waiting.RemoveAt(0);
            Completed = ready.Frame.Sequence;
            if (_consumer.Enabled && ready.Results.Any(r => r is not null))
            {
                _consumer.Offer(ready.Frame, ready.Results);
            }
            else
            {
                Discard(ready.Frame, ready.Results);
            }
        }
    }

    private static void Discard(Frame frame, StageResult?[] results)
    {
        foreach (var result in results)
        {
            result?.Dispose();
        }
        frame.Release();
    }
}
