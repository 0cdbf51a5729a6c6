using StreamVision.Ingest.Frames;

namespace StreamVision.Pipelines.Graph;

/// <summary>
/// Brings together, for one camera, the results its producers gave for each frame and hands frame
/// and results to the consuming stage in frame order. A producer reports every frame it was given:
/// processed (with its result, or null when it had nothing to say) or dropped from its live queue.
/// Its queue is first in, first out, so once it has processed frame N it will report nothing earlier:
/// a frame is complete when every producer has reported it or processed a later one. Live, a frame
/// some producer dropped is not kept waiting behind an older one still being worked on (it would
/// hold a pooled frame for a partial result): it goes, counted as the consumer's drop. So frames wait
/// only while a producer holds them, at most <see cref="CapacityFor"/> (each producer's queue and the
/// frame it works on); past that — a safeguard — the oldest waiting frame goes too.
/// </summary>
internal sealed class ResultJoin
{
    private readonly StageRunner _consumer;
    private readonly StageRunner[] _producers;
    private readonly long[] _reached;
    private readonly bool[] _ended;
    private readonly SortedList<long, Waiting> _waiting = new();

    /// <summary>Frames already handed on or discarded ahead of an older one still waiting: a late report for one of them is ignored.</summary>
    private readonly HashSet<long> _passed = new();
    private readonly int _capacity;

    private sealed class Waiting(Frame frame, int producers)
    {
        public Frame Frame { get; } = frame;
        public StageResult?[] Results { get; } = new StageResult?[producers];
        public bool[] Reported { get; } = new bool[producers];

        /// <summary>A producer dropped this frame from its live queue.</summary>
        public bool Dropped { get; set; }
    }

    public ResultJoin(StageRunner consumer, StageRunner[] producers, DeliveryPolicy policy)
    {
        _consumer = consumer;
        _producers = producers;
        _reached = Enumerable.Repeat(long.MinValue, producers.Length).ToArray();
        _ended = new bool[producers.Length];
        _capacity = CapacityFor(policy, producers.Length);
        for (var i = 0; i < producers.Length; i++)
        {
            producers[i].Feeds(this, i);
        }
    }

    /// <summary>Frames that may wait for their last producer.</summary>
    public static int CapacityFor(DeliveryPolicy policy, int producers) => (policy.QueueCapacity + 1) * producers + 1;

    /// <summary>Producer <paramref name="producer"/> is done with <paramref name="frame"/>: processed it
    /// (its result, or null, is retained here until the consumer is done with it) or, when
    /// <paramref name="dropped"/>, dropped it unprocessed. Called on the producer's thread (or, for a
    /// drop, the thread that queued the newer frame); in a batch it waits while the consumer's queue is full.</summary>
    public void Report(int producer, Frame frame, StageResult? result, bool dropped = false)
    {
        lock (_waiting)
        {
            if (!dropped)
            {
                _reached[producer] = Math.Max(_reached[producer], frame.Sequence);
            }
            if (!_waiting.TryGetValue(frame.Sequence, out var waiting))
            {
                if (frame.Sequence <= Completed || _passed.Contains(frame.Sequence))
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
            waiting.Reported[producer] = true;
            waiting.Dropped |= dropped;
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

    private bool Complete(Waiting waiting)
    {
        for (var i = 0; i < _producers.Length; i++)
        {
            // A producer switched off for this camera, or ended, holds nothing back.
            if (!waiting.Reported[i] && _reached[i] <= waiting.Frame.Sequence && !_ended[i] && _producers[i].Enabled)
            {
                return false;
            }
        }
        return true;
    }

    private void HandOn()
    {
        while (_waiting.Count > 0 && Complete(_waiting.Values[0]))
        {
            var ready = _waiting.Values[0];
            _waiting.RemoveAt(0);
            Completed = ready.Frame.Sequence;
            if (_passed.Count > 0)
            {
                _passed.RemoveWhere(seq => seq <= Completed);
            }
            if (_consumer.Enabled && ready.Results.Any(r => r is not null))
            {
                _consumer.Offer(ready.Frame, ready.Results);
            }
            else
            {
                Discard(ready.Frame, ready.Results);
            }
        }
        for (var i = _waiting.Count - 1; i > 0; i--)
        {
            var behind = _waiting.Values[i];
            if (behind.Dropped && Complete(behind))
            {
                _waiting.RemoveAt(i);
                _passed.Add(behind.Frame.Sequence);
                _consumer.Stats.CountDropped();
                Discard(behind.Frame, behind.Results);
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
