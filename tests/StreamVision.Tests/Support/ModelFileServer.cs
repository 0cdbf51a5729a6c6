using System.Net;

namespace StreamVision.Tests.Support;

/// <summary>
/// An HTTP server on 127.0.0.1 serving a folder, with Range support (206) like a real file host.
/// It can cut the first response short (an interrupted download) and can serve a substitute file
/// under a requested name (a corrupted or wrong download).
/// </summary>
public sealed class ModelFileServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _root;
    private readonly CancellationTokenSource _stop = new();

    public ModelFileServer(string root)
    {
        _root = root;
        Port = FreePort.Next();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(Serve);
    }

    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}/";

    /// <summary>Cut the next response after this many bytes (then serve normally again).</summary>
    public long? CutNextAfter { get; set; }

    /// <summary>Serve this file's bytes whatever name is asked for.</summary>
    public string? Substitute { get; set; }

    /// <summary>The Range header of each request ("" when none).</summary>
    public List<string> Ranges { get; } = new();

    private async Task Serve()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception)
            {
                return;
            }
            try
            {
                await Respond(context);
            }
            catch (Exception)
            {
                // The client went away or we cut it off on purpose.
            }
        }
    }

    private async Task Respond(HttpListenerContext context)
    {
        // Files at their path under the root (models with folders, e.g. onnx/decoder.onnx); never above it.
        var name = string.Join('/', context.Request.Url!.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).Where(p => p != ".."));
        var path = Substitute ?? Path.Combine(_root, name);
        var range = context.Request.Headers["Range"] ?? "";
        lock (Ranges)
        {
            Ranges.Add(range);
        }
        if (!File.Exists(path))
        {
            context.Response.StatusCode = 404;
            context.Response.Close();
            return;
        }
        var bytes = await File.ReadAllBytesAsync(path);
        long start = 0;
        if (range.StartsWith("bytes=", StringComparison.Ordinal) && long.TryParse(range["bytes=".Length..].TrimEnd('-'), out var from))
        {
            start = from;
            context.Response.StatusCode = 206;
            context.Response.AddHeader("Content-Range", $"bytes {from}-{bytes.Length - 1}/{bytes.Length}");
        }
        var body = bytes.AsMemory((int)start);
        context.Response.ContentLength64 = body.Length;
        if (CutNextAfter is { } cut)
        {
            CutNextAfter = null;
            await context.Response.OutputStream.WriteAsync(body[..(int)cut]);
            await context.Response.OutputStream.FlushAsync();
            context.Response.Abort();
            return;
        }
        await context.Response.OutputStream.WriteAsync(body);
        context.Response.Close();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
    }
}
