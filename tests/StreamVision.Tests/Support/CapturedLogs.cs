using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace StreamVision.Tests.Support;

/// <summary>A logger factory that keeps every line (category and message), in order, for tests
/// that check what the service logged.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, LogLevel Level, string Message, Exception? Exception)> _lines = new();

    public ILoggerFactory Factory { get; }

    public CapturedLogs(LogLevel minimum = LogLevel.Debug)
    {
        Factory = LoggerFactory.Create(b => b.SetMinimumLevel(minimum).AddProvider(this));
    }

    public IReadOnlyList<(string Category, LogLevel Level, string Message, Exception? Exception)> Lines => _lines.ToList();

    public IEnumerable<string> Of(string category) => _lines.Where(l => l.Category == category).Select(l => l.Message);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose() => Factory.Dispose();

    private sealed class Logger(string category, ConcurrentQueue<(string, LogLevel, string, Exception?)> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => lines.Enqueue((category, logLevel, formatter(state, exception), exception));
    }
}
