using System.Diagnostics;
using System.Threading.Channels;
using StreamVision.Cache;
using StreamVision.Cache.Kv;
using StreamVision.Cache.Multimodal;
using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Graph;

namespace StreamVision.Pipelines.VideoLlm;

internal sealed class VideoLlmCamera : IFrameStage
{
    private readonly VideoLlmModel _model;
    private readonly VideoLlmSettings _settings;
    private readonly Func<string, FrameFacts> _facts;
    private readonly string _camera;
    private readonly Action _onDispose;
    private readonly Preprocessing.TensorPreprocessor _preprocessor;
    private readonly float[] _pixels;
    private readonly bool[]? _pixelMask;
    private readonly object _gate = new();
    private readonly Channel<(string Question, Action<Answer> Reply, long Asked)> _questions =
        Channel.CreateBounded<(string, Action<Answer>, long)>(new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Task _answers;
    private long _position;
    private double _lastIngest = double.NegativeInfinity;
    private double _lastNarration;
    public long Ingested;

    public VideoLlmCamera(VideoLlmModel model, VideoLlmSettings settings, Func<string, FrameFacts> facts, string camera, OffloadStore offload, Action onDispose)
    {
        _model = model;
        _settings = settings;
        _facts = facts;
        _camera = camera;
        _onDispose = onDispose;
        _preprocessor = model.CreatePreprocessor();
        _pixels = new float[model.PixelCount];
        _pixelMask = model.PixelMaskLength > 0 ? new bool[model.PixelMaskLength] : null;
        var options = new CacheOptions(settings.VisualWindow, model.TokensPerFrame, model.Hidden, model.Layout, settings.TextTokenCap) {
            VerbalizeEvery = settings.VerbalizeEvery,
            ExternalBytesPerToken = model.Layout.FullBytesPerToken,
            // The model writing long-term text takes a while: off the stage's thread (ProVideLLM).
            VerbalizeInBackground = settings.LlmVerbalizes,
            EncodeText = EncodeText,
            // With somewhere to offload to, heads move there before any token is lost (HeadInfer).
            Policies = offload.Enabled ? [CachePolicy.Quantize, CachePolicy.Offload, CachePolicy.Evict] : [CachePolicy.Quantize, CachePolicy.Evict],
        };
        (_host, _disk) = offload.ForCamera(camera);
        Memory = new VideoLlmMemory(camera, settings.CameraBudgetBytes, settings.Overall, _host, _disk);
        IVerbalizer verbalizer = settings.LlmVerbalizes
            ? new LlmVerbalizer(model, () => _systemBlock, () => Interlocked.Read(ref _position), settings.MaxTokens, Memory.Verbalizer)
            : new StructuredVerbalizer();
        Cache = new MultimodalCache(options, Memory.Cache, verbalizer, model.Tokenizer.Count, _host, _disk);
        _past = new DecoderPast(model.Layout, Memory.Past, Cache.MakeRoom);
        _systemPast = new DecoderPast(model.Layout, Memory.Past, Cache.MakeRoom);
        var system = model.Tokenizer.Encode(model.SystemPrompt);
        try
        {
            if (system.Length > 0)
            {
                var step = model.Decoder.Run(model.Embedder.Embed(system), system.Length, _past, TokenKind.System, 0);
                Cache.SetSystem(step.Kv);
                _systemBlock = step.Kv;
                _systemPast.Append(step.Kv);
                _position = system.Length;
            }
        }
        catch
        {
            // A camera that cannot start gives back what it took from the budgets all cameras share.
            Cache.Dispose();
            _past.Dispose();
            _systemPast.Dispose();
            _host?.Dispose();
            _disk?.Dispose();
            _preprocessor.Dispose();
            throw;
        }
        _answers = Task.Factory.StartNew(AnswerLoop, TaskCreationOptions.LongRunning);
    }

    public MultimodalCache Cache { get; }

    public VideoLlmMemory Memory { get; }

    private readonly HostMemoryTier? _host;

    /// <summary>The system prompt's KV, for the verbalizer's thread (it never changes).</summary>
    private KvBlock? _systemBlock;

    /// <summary>The system prompt alone as the decoder's past: long-term text is encoded after it.</summary>
    private readonly DecoderPast _systemPast;

    /// <summary>A long-term text segment's KV (stage thread, under the gate): its tokens run once
    /// after the system prompt, at the next positions, so questions attend to it as cached KV
    /// rather than prefilling the whole long-term text again.</summary>
    private KvBlock? EncodeText(string text)
    {
        var ids = _model.Tokenizer.Encode(text + "\n");
        if (ids.Length == 0)
        {
            return null;
        }
        var step = _model.Decoder.Run(_model.Embedder.Embed(ids), ids.Length, _systemPast, TokenKind.Text, _position);
        _position += ids.Length;
        return step.Kv;
    }
    private readonly DiskTier? _disk;

    public long Refused;
    public volatile string? LastRefusal;

    /// <summary>The cache's KV tokens, refreshed under the gate for readers on other threads (the
    /// cache itself is the stage's alone).</summary>
    public int HeldTokens;

    /// <summary>The cache's KV as the decoder takes it, kept between ingested frames (stage thread
    /// only, under the gate), counted in <see cref="VideoLlmMemory.Past"/>.</summary>
    private readonly DecoderPast _past;

    public StageResult? Process(Frame frame)
    {
        var started = Stopwatch.GetTimestamp();
        var time = frame.Pts.TotalSeconds;
        if (time - _lastIngest < 0.999 / _settings.IngestFps)
        {
            return null;
        }
        _lastIngest = time;
        var embeds = _model.EncodeFrame(frame, _preprocessor, _pixels, _pixelMask);
        lock (_gate)
        {
            try
            {
                KeepInsideWindow(_model.TokensPerFrame);
                _past.Sync(Cache.KvBlocks.ToList());
                var step = _model.Decoder.Run(embeds, _model.TokensPerFrame, _past, TokenKind.Visual, _position);
                if (step.PastAttention is { } received)
                {
                    ImportanceScores.Accumulate(_past.Blocks, received);
                }
                _position += _model.TokensPerFrame;
                Cache.AppendFrame(time, _facts(_camera), step.Kv);
                Volatile.Write(ref HeldTokens, Cache.KvTokens);
            }
            catch (CacheBudgetException e)
            {
                // The frame is not remembered; the camera's other stages and later frames go on.
                Interlocked.Increment(ref Refused);
                LastRefusal = e.Message;
                return null;
            }
        }
        Interlocked.Increment(ref Ingested);
        if (_settings.NarrationInterval <= TimeSpan.Zero || time - _lastNarration < _settings.NarrationInterval.TotalSeconds)
        {
            return null;
        }
        _lastNarration = time;
        var (text, from, to) = Generate(_model.NarrationPrompt);
        return new NarrationResult(text, from, to).Describe<StageResult>(frame, VideoLlmStageFactory.StageName, _model.Id, started);
    }

    public bool Ask(string question, Action<Answer> reply) => _questions.Writer.TryWrite((question, reply, Stopwatch.GetTimestamp()));

    private void AnswerLoop()
    {
        var reader = _questions.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var q))
            {
                try
                {
                    var (text, from, to) = Generate(q.Question);
                    q.Reply(new Answer(_camera, q.Question, text, from, to, Stopwatch.GetElapsedTime(q.Asked)));
                }
                catch (Exception e)
                {
                    q.Reply(new Answer(_camera, q.Question, $"error: {e.Message}", 0, 0, Stopwatch.GetElapsedTime(q.Asked)));
                }
            }
        }
    }

    /// <summary>Answers <paramref name="prompt"/> from the memory as it is now: under the gate only
    /// while the decoder's past is copied (into the camera's answers account, with room for the
    /// prompt and the answer), so ingestion continues while the model writes.</summary>
    private (string Text, double From, double To) Generate(string prompt)
    {
        long position;
        double from, to;
        long[] ids;
        DecoderPast past;
        lock (_gate)
        {
            // The long-term text is in the cache as KV already: the prompt is the question alone.
            ids = _model.Tokenizer.Encode(_model.Prompt("", prompt));
            KeepInsideWindow(ids.Length + _settings.MaxTokens);
            Cache.EncodeLongTerm();
            _past.Sync(Cache.KvBlocks.ToList());
            past = _past.Clone(Memory.Answers, ids.Length + _settings.MaxTokens, MakeRoomLocked);
            position = _position;
            from = Cache.LongTerm.Count > 0 ? Cache.LongTerm[0].Start : Cache.ShortTerm.FirstOrDefault()?.Time ?? 0;
            to = Cache.ShortTerm.LastOrDefault()?.Time ?? from;
        }
        using (past)
        {
            var generation = Generator.Generate(_model.Decoder, _model.Embedder, _model.Embedder.Embed(ids), ids.Length, past, position,
                new GenerationOptions(_settings.MaxTokens, new HashSet<long> { _model.EndToken }, _settings.Temperature));
            return (_model.Tokenizer.Decode(generation.Tokens).Trim(), from, to);
        }
    }

    /// <summary>Re-bases and rotates the cache (StreamingLLM) before the next
    /// <paramref name="upcoming"/> tokens — and whatever a question or the verbalizer may add after
    /// them — would reach the model's maximum position; when even the held tokens leave too little
    /// room, the least important are evicted first, down to half the window, so re-basing stays
    /// rare. Under the gate.</summary>
    private void KeepInsideWindow(int upcoming)
    {
        if (_model.Decoder.MaxPosition is not { } max || _model.Decoder.RotateKeys is not { } rotate)
        {
            return;
        }
        var headroom = upcoming + _settings.MaxTokens + _settings.TextTokenCap + 64;
        if (_position + headroom < max)
        {
            return;
        }
        Cache.CollectVerbalized(wait: true); // its frames leave now: count without them
        var target = (max - headroom) / 2;
        if (target <= Cache.SystemTokens)
        {
            throw new CacheBudgetException($"model '{_model.Id}': its window of {max} positions cannot hold the system prompt, {upcoming} new tokens and an answer's {headroom - upcoming}; lower stages.videollm.max_tokens.");
        }
        if (Cache.KvTokens > target)
        {
            Cache.EvictTokens(Cache.KvTokens - (int)target);
        }
        _position = Cache.Rebase(rotate);
        Interlocked.Increment(ref Rebased);
    }

    public long Rebased;

    /// <summary>Room for a question's copy, from its thread: the cache's policies run (evicted tokens
    /// count with their rows of the decoder's past) and the past is re-sized to what is left at
    /// once, so the freed rows are really free.</summary>
    private bool MakeRoomLocked(long bytes)
    {
        lock (_gate)
        {
            var made = Cache.MakeRoom(bytes);
            _past.Sync(Cache.KvBlocks.ToList(), shrinkToFit: true);
            return made;
        }
    }

    public void Dispose()
    {
        _questions.Writer.TryComplete();
        _answers.Wait(TimeSpan.FromSeconds(30));
        _onDispose();
        lock (_gate)
        {
            Cache.Dispose();
            _host?.Dispose();
            if (_disk is not null)
            {
                _disk.Dispose();
                if (Directory.Exists(_disk.Folder))
                {
                    Directory.Delete(_disk.Folder, recursive: true);
                }
            }
            _past.Dispose();
            _systemPast.Dispose();
            _preprocessor.Dispose();
        }
    }
}
