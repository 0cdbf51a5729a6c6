using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace StreamVision.Host.Cli;

internal static class Logging
{
    /// <summary>Logs go to stderr so stdout carries only the summary lines and tables. "json" writes
    /// one JSON object per line (UTC timestamp, level, category, message, the message's named values)
    /// for log collectors; "text" one readable line.</summary>
    public static ILoggerFactory Create(string level, string format = "text") => LoggerFactory.Create(b => Configure(b, level, format));

    public static void Configure(ILoggingBuilder b, string level, string format)
    {
        b.SetMinimumLevel(Enum.Parse<LogLevel>(level, ignoreCase: true)).AddFilter("Microsoft", LogLevel.Warning)
            // The host logs a failed start with its stack trace; the service reports it itself, in one line.
            .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        if (format == "json")
        {
            b.AddJsonConsole(o =>
            {
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
        }
        else
        {
            b.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            });
        }
        b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }
}
