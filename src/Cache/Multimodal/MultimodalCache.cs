using StreamVision.Cache.Kv;

namespace StreamVision.Cache.Multimodal;

/// <summary>A frame in the short-term window: its time, perception facts and visual tokens' KV (the
/// decoder reads the KV; the embeddings it was computed from are not kept).</summary>
public sealed record VisualFrame(double Time, FrameFacts Facts, KvBlock? Kv);

/// <summary>The cache could not make room even after every policy (the budget is smaller than the
/// protected part of the memory).</summary>
public sealed class CacheBudgetException(string message) : Exception(message);

/// <summary>
/// One camera's memory for the VideoLLM, after ProVideLLM: the long-term past as verbalized text
/// segments with their time ranges, the last <see cref="CacheOptions.VisualWindow"/> as visual
/// tokens, and the decoder's KV cache — all under one <see cref="ByteBudget"/>, accounted from the
/// bytes actually held. When the window slides, expiring frames are verbalized (by the LLM when one
/// writes narration, otherwise by <see cref="IVerbalizer"/> from the perception facts). When the
/// budget is reached, the configured policies run in order until the new data fits: quantise visual
/// KV (8 → 4 → 2 → 1 bits), evict by importance outside a protected recent window, offload KV heads
/// to host memory and then disk. Not thread-safe: one stage thread owns a camera's cache.
/// </summary>
public sealed partial class MultimodalCache : IDisposable
{
    private readonly CacheOptions _options;
    private readonly ByteBudget _budget;
    private readonly IVerbalizer _verbalizer;
    private readonly Func<string, int> _countTokens;
    private readonly IKvTier? _host;
    private readonly IKvTier? _disk;
    private readonly List<(TextSegment Segment, KvBlock? Kv)> _segments = new();
    private readonly LinkedList<VisualFrame> _frames = new();
    private readonly List<VisualFrame> _expiring = new(); // out of the window, waiting to be verbalized
    private readonly Queue<(List<VisualFrame> Frames, Task<SegmentFacts> Facts)> _verbalizing = new(); // being described in the background
    private KvBlock? _system;
    private long _offloadSerial;

    public MultimodalCache(CacheOptions options, ByteBudget budget, IVerbalizer verbalizer, Func<string, int> countTokens, IKvTier? host = null, IKvTier? disk = null)
    {
        _options = options;
        _budget = budget;
        _verbalizer = verbalizer;
        _countTokens = countTokens;
        _host = host;
        _disk = disk;
    }

    public ByteBudget Budget => _budget;

    /// <summary>Bytes held for this camera (what the budget accounts).</summary>
    public long BytesHeld => _budget.Held;

    public IReadOnlyList<TextSegment> LongTerm => _segments.Select(s => s.Segment).ToList();
    public IReadOnlyCollection<VisualFrame> ShortTerm => _frames;

    public int TextTokens => _segments.Sum(s => s.Segment.Tokens);
    public int VisualTokens => (_frames.Count + _expiring.Count + _verbalizing.Sum(v => v.Frames.Count)) * _options.TokensPerFrame;

    private IEnumerable<VisualFrame> Verbalizing => _verbalizing.SelectMany(v => v.Frames);
    public int SystemTokens => _system?.Tokens ?? 0;
    public int TokensHeld => SystemTokens + TextTokens + VisualTokens;

    /// <summary>Counters of what the policies did.</summary>
    public long QuantizedBlocks { get; private set; }
    public long EvictedTokens { get; private set; }
    public long OffloadedBytes { get; private set; }

    /// <summary>Every KV block held (system, text, visual), oldest first.</summary>
    public IEnumerable<KvBlock> KvBlocks =>
        new[] { _system }.Concat(_segments.Select(s => s.Kv)).Concat(Verbalizing.Select(f => f.Kv)).Concat(_expiring.Select(f => f.Kv)).Concat(_frames.Select(f => f.Kv)).OfType<KvBlock>();

    /// <summary>Tokens the cache holds in KV blocks (what the decoder attends to).</summary>
    public int KvTokens => KvBlocks.Sum(b => b.Tokens);

    /// <summary>The blocks the policies may change: not those a background verbalization reads.</summary>
    private IEnumerable<KvBlock> PolicyBlocks =>
        new[] { _system }.Concat(_segments.Select(s => s.Kv)).Concat(_expiring.Select(f => f.Kv)).Concat(_frames.Select(f => f.Kv)).OfType<KvBlock>();

    /// <summary>Bytes the structures hold right now, counted from them (the budget must equal it).</summary>
    public long CountHeldBytes() =>
        KvBlocks.Sum(b => b.Bytes)
        + _frames.Concat(_expiring).Concat(Verbalizing).Sum(FrameBytes)
        + _segments.Sum(s => TextBytes(s.Segment));

    /// <summary>A segment's record (times, facts, token count) and its text.</summary>
    private static long TextBytes(TextSegment segment) => HeapSize.Object(2 * sizeof(double) + 2 * HeapSize.Reference + sizeof(int)) + HeapSize.String(segment.Text.Length);

    /// <summary>A frame's record and list node and its facts (its KV is counted as a block).</summary>
    private static long FrameBytes(VisualFrame frame) => HeapSize.Object(sizeof(double) + 2 * HeapSize.Reference) + HeapSize.Object(4 * HeapSize.Reference) + frame.Facts.Bytes;

    /// <summary>The system prompt's KV (never quantised or evicted).</summary>
    public void SetSystem(KvBlock system)
    {
        Hold(system.Bytes);
        if (_system is not null)
        {
            Drop(_system);
        }
        _system = system;
    }

    /// <summary>Adds a frame's visual tokens at <paramref name="time"/> (stream seconds), first moving
    /// frames older than the window into long-term text.</summary>
    public void AppendFrame(double time, FrameFacts facts, KvBlock? kv = null)
    {
        CollectVerbalized();
        if (kv is not null && kv.Tokens != _options.TokensPerFrame)
        {
            throw new ArgumentException($"a frame has {_options.TokensPerFrame} tokens, its KV block {kv.Tokens}");
        }
        Slide(time);
        var frame = new VisualFrame(time, facts, kv);
        Hold((kv?.Bytes ?? 0) + FrameBytes(frame));
        _frames.AddLast(frame);
        CalibrateOnce();
    }

    /// <summary>Adds text the LLM wrote (narration) as long-term memory for a time range.</summary>
    public void AppendText(double start, double end, SegmentFacts facts, KvBlock? kv = null)
    {
        var segment = new TextSegment(start, end, facts, 0);
        segment = segment with { Tokens = _countTokens(segment.Text) };
        Hold(TextBytes(segment) + (kv?.Bytes ?? 0));
        _segments.Add((segment, kv));
        Compact();
    }

    /// <summary>Encodes every long-term segment that has no KV yet (new, extended or merged since the
    /// last time) with <see cref="CacheOptions.EncodeText"/>. Called before the model answers or
    /// narrates: a structured verbalizer extends its last segment at every frame, and encoding it
    /// each time would double the cost of a frame for text nobody has asked about yet.</summary>
    public void EncodeLongTerm()
    {
        if (_options.EncodeText is not { } encode)
        {
            return;
        }
        for (var i = 0; i < _segments.Count; i++)
        {
            if (_segments[i].Kv is null && encode(_segments[i].Segment.Text) is { } kv)
            {
                Hold(kv.Bytes);
                _segments[i] = (_segments[i].Segment, kv);
            }
        }
    }

    /// <summary>Each long-term segment's KV (null where it has none), in the order of <see cref="LongTerm"/>.</summary>
    public IReadOnlyList<KvBlock?> LongTermKv => _segments.Select(s => s.Kv).ToList();

    /// <summary>Long-term memory as the prompt's text, one line per segment.</summary>
    public string LongTermText() => string.Join('\n', _segments.Select(s => s.Segment.Text));

    private void Slide(double now)
    {
        while (_frames.First is { } first && first.Value.Time < now - _options.VisualWindow.TotalSeconds)
        {
            _expiring.Add(first.Value);
            _frames.RemoveFirst();
        }
        if (_expiring.Count == 0 || _expiring[^1].Time - _expiring[0].Time < _options.VerbalizeEvery.TotalSeconds)
        {
            return;
        }
        // The verbalizer may read the frames' visual tokens and KV (an LLM does): release them after.
        var expired = _expiring.ToList();
        _expiring.Clear();
        if (_options.VerbalizeInBackground)
        {
            _verbalizing.Enqueue((expired, Task.Run(() => _verbalizer.Describe(expired))));
            return;
        }
        TakeIn(expired, _verbalizer.Describe(expired));
    }

    /// <summary>Takes in the background descriptions that are done, oldest first (in order: a later
    /// chunk waits for an earlier one). <paramref name="wait"/>: all of them, done or not.</summary>
    public void CollectVerbalized(bool wait = false)
    {
        while (_verbalizing.TryPeek(out var next) && (wait || next.Facts.IsCompleted))
        {
            _verbalizing.Dequeue();
            SegmentFacts facts;
            try
            {
                facts = next.Facts.GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                facts = SegmentFacts.FromText($"(not described: {e.Message})");
            }
            TakeIn(next.Frames, facts);
        }
    }

    /// <summary>Replaces described frames by their text segment.</summary>
    private void TakeIn(List<VisualFrame> expired, SegmentFacts facts)
    {
        foreach (var frame in expired)
        {
            _budget.Release(FrameBytes(frame));
            if (frame.Kv is { } kv)
            {
                Drop(kv);
            }
        }
        var start = expired[0].Time;
        var end = expired[^1].Time;
        if (_segments.Count > 0 && _segments[^1] is var (last, lastKv) && lastKv is null && last.Facts.SameAs(facts) && start - last.End <= _options.VisualWindow.TotalSeconds + _options.VerbalizeEvery.TotalSeconds)
        {
            // Nothing new happened: the last segment now covers this time too.
            Replace(_segments.Count - 1, last with { End = end });
            return;
        }
        AppendText(start, end, facts);
    }

    private void Replace(int index, TextSegment segment)
    {
        var old = _segments[index];
        segment = segment with { Tokens = _countTokens(segment.Text) };
        _budget.Release(TextBytes(old.Segment));
        if (old.Kv is not null)
        {
            Drop(old.Kv); // the text changed: its KV no longer matches it
        }
        _segments.RemoveAt(index); // released: out of the list until the new text is held
        Hold(TextBytes(segment));
        _segments.Insert(index, (segment, null));
    }

    /// <summary>Keeps long-term text under its token cap by merging the oldest segments into coarser ones.</summary>
    private void Compact()
    {
        while (TextTokens > _options.TextTokenCap && _segments.Count >= 2)
        {
            var (a, aKv) = _segments[0];
            var (b, bKv) = _segments[1];
            var merged = new TextSegment(a.Start, b.End, _verbalizer.Merge(a.Facts, b.Facts), 0);
            _budget.Release(TextBytes(a) + TextBytes(b));
            foreach (var kv in new[] { aKv, bKv }.OfType<KvBlock>())
            {
                Drop(kv);
            }
            _segments.RemoveAt(0);
            _segments.RemoveAt(0); // both released above; the merged one goes in once it is held
            merged = merged with { Tokens = _countTokens(merged.Text) };
            Hold(TextBytes(merged));
            _segments.Insert(0, (merged, null));
        }
    }

    private void Drop(KvBlock block)
    {
        _budget.Release(block.Bytes);
        block.ReleaseTier();
    }

    /// <summary>Reserves <paramref name="bytes"/>, running the policies until they fit.</summary>
    private void Hold(long bytes)
    {
        if (_budget.TryReserve(bytes) || MakeRoom(bytes, countExternal: false) && _budget.TryReserve(bytes))
        {
            return;
        }
        throw new CacheBudgetException(
            $"cache budget '{_budget.Name}' ({_budget.Limit:N0} bytes) cannot hold {bytes:N0} more bytes even after {string.Join(", ", _options.Policies).ToLowerInvariant()}: " +
            $"{_budget.Held:N0} bytes are held by protected memory. Raise the budget or shorten the visual window.");
    }

    /// <summary>Frames out of the window still waiting to be verbalized.</summary>
    public IReadOnlyList<VisualFrame> Expiring => _expiring;

    public void Dispose()
    {
        foreach (var (_, facts) in _verbalizing)
        {
            try
            {
                facts.Wait(TimeSpan.FromSeconds(30)); // the writer reads these blocks until it is done
            }
            catch (AggregateException)
            {
            }
        }
        foreach (var block in KvBlocks)
        {
            block.ReleaseTier();
        }
        _budget.Release(_budget.Held);
    }
}
