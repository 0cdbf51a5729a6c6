using System.Buffers.Binary;
using System.Text;

namespace StreamVision.Ingest.Rtsp;

/// <summary>
/// Splits what an RTSP server sends over its TCP connection into RTSP messages (start line, headers,
/// body) and interleaved binary frames (<c>$</c>, channel, 16-bit length, RFC 2326 §10.12), whatever
/// the chunking. It only watches: anything it cannot make sense of turns it off, never the stream.
/// </summary>
public sealed class RtspStreamParser
{
    private const int MaxHeaderBytes = 64 * 1024;

    /// <summary>RTSP bodies are SDP and parameter text: kilobytes. More is not RTSP (or is an attack on the buffer).</summary>
    private const int MaxBodyBytes = 1024 * 1024;

    private byte[] _buffer = new byte[64 * 1024];
    private int _length;

    /// <summary>A whole RTSP message: its header block (start line and headers) and body.</summary>
    public event Action<string, ReadOnlyMemory<byte>>? Message;

    /// <summary>A whole interleaved frame: channel and payload (an RTP or RTCP packet).</summary>
    public event Action<byte, ReadOnlySpan<byte>>? Interleaved;

    /// <summary>Set when the bytes stopped looking like RTSP; the parser then ignores everything.</summary>
    public bool GaveUp { get; private set; }

    public void Feed(ReadOnlySpan<byte> chunk)
    {
        if (GaveUp)
        {
            return;
        }
        if (_length + chunk.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + chunk.Length));
        }
        chunk.CopyTo(_buffer.AsSpan(_length));
        _length += chunk.Length;
        var used = 0;
        while (!GaveUp && TryTakeOne(_buffer.AsSpan(used, _length - used), out var taken))
        {
            used += taken;
        }
        if (used > 0)
        {
            Buffer.BlockCopy(_buffer, used, _buffer, 0, _length - used);
            _length -= used;
        }
    }

    private bool TryTakeOne(ReadOnlySpan<byte> data, out int taken)
    {
        taken = 0;
        if (data.IsEmpty)
        {
            return false;
        }
        if (data[0] == (byte)'$')
        {
            if (data.Length < 4)
            {
                return false;
            }
            var size = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
            if (data.Length < 4 + size)
            {
                return false;
            }
            Interleaved?.Invoke(data[1], data.Slice(4, size));
            taken = 4 + size;
            return true;
        }
        var end = data.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            if (data.Length > MaxHeaderBytes || !data.StartsWith("RTSP/"u8) && !LooksLikeRequest(data))
            {
                GaveUp = true;
            }
            return false;
        }
        var header = Encoding.ASCII.GetString(data[..end]);
        if (!header.StartsWith("RTSP/", StringComparison.Ordinal) && !LooksLikeRequest(data))
        {
            GaveUp = true;
            return false;
        }
        var bodyLength = 0;
        var contentLength = HeaderValue(header, "Content-Length");
        if (contentLength is not null && (!int.TryParse(contentLength, out bodyLength) || bodyLength is < 0 or > MaxBodyBytes))
        {
            GaveUp = true;
            return false;
        }
        var total = end + 4 + bodyLength;
        if (data.Length < total)
        {
            return false;
        }
        Message?.Invoke(header, data.Slice(end + 4, bodyLength).ToArray());
        taken = total;
        return true;
    }

    /// <summary>A server may also send requests (ANNOUNCE, GET_PARAMETER): an upper-case method name first.</summary>
    private static bool LooksLikeRequest(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length && i < 32 && data[i] is >= (byte)'A' and <= (byte)'Z' or (byte)'_')
        {
            i++;
        }
        return i > 0 && (i == data.Length || data[i] == (byte)' ');
    }

    /// <summary>The value of a header in an RTSP header block (names are case-insensitive), or null.</summary>
    public static string? HeaderValue(string header, string name)
    {
        foreach (var line in header.Split("\r\n"))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && line.AsSpan(0, colon).Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return line[(colon + 1)..].Trim();
            }
        }
        return null;
    }
}
