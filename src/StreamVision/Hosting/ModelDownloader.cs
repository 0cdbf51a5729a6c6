using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using StreamVision.Pipelines.Configuration;
using StreamVision.Pipelines.Models;

namespace StreamVision.Host.Hosting;

/// <summary>A download failed or was cut off; the message says how far it got and how to resume.</summary>
public sealed class ModelDownloadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What a pull did.</summary>
public sealed record PullResult(string Path, long Bytes, long ResumedFrom, bool AlreadyInstalled);

/// <summary>
/// Downloads a model named by its manifest into a model folder: resumes a partial download
/// (<c>.part</c> file, HTTP Range), verifies the SHA-256 the manifest records, and only then moves
/// the file into place, so a model file in a folder is always a verified one.
/// </summary>
public sealed class ModelDownloader(HttpClient http)
{
    /// <param name="mirror">Base URL to fetch the file from instead of the manifest's source
    /// (an internal mirror, or a test server); the file name is appended.</param>
    public async Task<PullResult> PullAsync(ModelManifest manifest, string directory, string? mirror, Action<long, long?>? progress, CancellationToken cancellationToken)
    {
        var expected = manifest.Provenance.Sha256.Trim().ToLowerInvariant();
        if (expected.Length != 64)
        {
            throw new ConfigurationException($"model '{manifest.Id}': its manifest has no SHA-256 (provenance.sha256), so a download could not be verified; it cannot be pulled.");
        }
        var url = mirror is null ? manifest.Provenance.SourceUrl : mirror.TrimEnd('/') + "/" + Uri.EscapeDataString(Path.GetFileName(manifest.File));
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ConfigurationException($"model '{manifest.Id}': '{url}' is not an http(s) URL to download from.");
        }
        Directory.CreateDirectory(directory);
        var target = Path.Combine(directory, Path.GetFileName(manifest.File));
        if (File.Exists(target) && await Sha256Async(target, cancellationToken) == expected)
        {
            return new PullResult(target, new FileInfo(target).Length, 0, AlreadyInstalled: true);
        }
        var part = target + ".part";
        var resumeFrom = File.Exists(part) ? new FileInfo(part).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (resumeFrom > 0)
        {
            request.Headers.Range = new RangeHeaderValue(resumeFrom, null);
        }
        try
        {
            return await DownloadAsync(manifest, uri, request, target, part, resumeFrom, expected, progress, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            var have = File.Exists(part) ? new FileInfo(part).Length : 0;
            throw new ModelDownloadException($"model '{manifest.Id}': downloading {url} failed after {have:N0} bytes ({e.Message}). Run the same command again to resume.", e);
        }
    }

    private async Task<PullResult> DownloadAsync(ModelManifest manifest, Uri uri, HttpRequestMessage request, string target, string part, long resumeFrom, string expected, Action<long, long?>? progress, CancellationToken cancellationToken)
    {
        var url = uri.ToString();
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (resumeFrom > 0 && response.StatusCode != HttpStatusCode.PartialContent)
        {
            resumeFrom = 0; // the server ignored the range: start over
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new ModelDownloadException($"model '{manifest.Id}': downloading {url} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
        var total = response.Content.Headers.ContentLength is { } length ? length + resumeFrom : (long?)null;
        await using (var file = new FileStream(part, resumeFrom > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write))
        await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken))
        {
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                progress?.Invoke(file.Length, total);
            }
        }
        var actual = await Sha256Async(part, cancellationToken);
        if (actual != expected)
        {
            File.Delete(part);
            throw new ModelContractException($"model '{manifest.Id}': the file from {url} has SHA-256 {actual}, the manifest expects {expected}. It was deleted, not installed; check the URL (or mirror) serves the file the manifest describes.");
        }
        File.Move(part, target, overwrite: true);
        return new PullResult(target, new FileInfo(target).Length, resumeFrom, AlreadyInstalled: false);
    }

    public static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }
}
