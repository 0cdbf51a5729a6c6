using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using StreamVision.Pipelines.Configuration;
using StreamVision.Pipelines.Models;

namespace StreamVision.Host.Hosting;

/// <summary>A download failed or was cut off; the message says how far it got and how to resume.</summary>
public sealed class ModelDownloadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What a pull did.</summary>
/// <param name="PinnedSha256">Set when the manifest had no SHA-256 for the file and this download
/// recorded the one it had (<see cref="ModelPins"/>).</param>
public sealed record PullResult(string Path, long Bytes, long ResumedFrom, bool AlreadyInstalled, string? PinnedSha256 = null);

/// <summary>
/// Downloads a model named by its manifest into a model folder: resumes a partial download
/// (<c>.part</c> file, HTTP Range), verifies the SHA-256 the manifest records, and only then moves
/// the file into place, so a model file in a folder is always a verified one. A file whose manifest
/// has no SHA-256 is verified against the one pinned at its first download, and is downloaded
/// unverified only when the user asks to trust the first download (which pins it).
/// </summary>
public sealed class ModelDownloader(HttpClient http, bool trustFirstDownload = false)
{
    /// <param name="mirror">Base URL to fetch the file from instead of the manifest's source
    /// (an internal mirror, or a test server); the file name is appended.</param>
    /// <summary>Every file of the model: the one <c>file</c> with <c>provenance.sha256</c>, or each of
    /// <c>provenance.files</c> (kept at its relative path, e.g. onnx/decoder.onnx).</summary>
    public async Task<IReadOnlyList<PullResult>> PullAllAsync(ModelManifest manifest, string directory, string? mirror, Action<long, long?>? progress, CancellationToken cancellationToken)
    {
        if (manifest.Provenance.Files.Count == 0)
        {
            return [await PullAsync(manifest, directory, mirror, progress, cancellationToken)];
        }
        var results = new List<PullResult>();
        foreach (var file in manifest.Provenance.Files)
        {
            var url = mirror is null ? file.Url : mirror.TrimEnd('/') + "/" + string.Join('/', file.File.Split('/').Select(Uri.EscapeDataString));
            results.Add(await PullFileAsync(manifest.Id, file.File, url, file.Sha256, directory, progress, cancellationToken));
        }
        return results;
    }

    public Task<PullResult> PullAsync(ModelManifest manifest, string directory, string? mirror, Action<long, long?>? progress, CancellationToken cancellationToken)
    {
        var url = mirror is null ? manifest.Provenance.SourceUrl : mirror.TrimEnd('/') + "/" + Uri.EscapeDataString(Path.GetFileName(manifest.File));
        return PullFileAsync(manifest.Id, Path.GetFileName(manifest.File), url, manifest.Provenance.Sha256, directory, progress, cancellationToken);
    }

    private async Task<PullResult> PullFileAsync(string id, string relativeFile, string url, string sha256, string directory, Action<long, long?>? progress, CancellationToken cancellationToken)
    {
        var manifest = new ModelManifest { Id = id };
        var expected = sha256.Trim().ToLowerInvariant();
        if (expected.Length != 64)
        {
            expected = ModelPins.Find(directory, id, relativeFile) ?? "";
        }
        if (expected.Length != 64 && !trustFirstDownload)
        {
            throw new ConfigurationException($"model '{id}': its manifest has no SHA-256 for '{relativeFile}' (provenance.sha256 or provenance.files), so a download cannot be verified. "
                + "Add the checksum to the manifest, or pull with --trust-first-download to accept what the source serves now and pin its SHA-256 for every later pull.");
        }
        if (Path.IsPathRooted(relativeFile) || relativeFile.Split('/', '\\').Contains(".."))
        {
            throw new ConfigurationException($"model '{id}': file '{relativeFile}' must be a path inside the model folder.");
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ConfigurationException($"model '{manifest.Id}': '{url}' is not an http(s) URL to download from.");
        }
        var target = Path.Combine(directory, relativeFile);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (File.Exists(target) && await Sha256Async(target, cancellationToken) == expected)
        {
            return new PullResult(target, new FileInfo(target).Length, 0, AlreadyInstalled: true);
        }
        if (expected.Length != 64)
        {
            // Trust on first use: nothing to check against, so whatever arrives is pinned for next time.
            var pulled = await DownloadFileAsync(manifest, uri, target, expected: null, cancellationToken: cancellationToken, progress: progress);
            var actual = await Sha256Async(pulled.Path, cancellationToken);
            ModelPins.Add(directory, id, relativeFile, actual);
            return pulled with { PinnedSha256 = actual };
        }
        return await DownloadFileAsync(manifest, uri, target, expected, progress, cancellationToken);
    }

    private async Task<PullResult> DownloadFileAsync(ModelManifest manifest, Uri uri, string target, string? expected, Action<long, long?>? progress, CancellationToken cancellationToken)
    {
        var url = uri.ToString();
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

    private async Task<PullResult> DownloadAsync(ModelManifest manifest, Uri uri, HttpRequestMessage request, string target, string part, long resumeFrom, string? expected, Action<long, long?>? progress, CancellationToken cancellationToken)
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
        if (expected is not null && actual != expected)
        {
            File.Delete(part);
            throw new ModelContractException($"model '{manifest.Id}': the file from {url} has SHA-256 {actual}, the manifest (or the pin from its first download) expects {expected}. It was deleted, not installed; check the URL (or mirror) serves the file the manifest describes.");
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
