namespace StreamVision.Cache.Kv;

/// <summary>Codes of 1, 2, 4 or 8 bits packed into bytes, lowest bits first.</summary>
public static class BitPacking
{
    public static bool IsSupported(int bits) => bits is 1 or 2 or 4 or 8;

    public static int PackedLength(int count, int bits) => (count * bits + 7) / 8;

    public static void Pack(ReadOnlySpan<byte> codes, int bits, Span<byte> packed)
    {
        packed.Clear();
        var perByte = 8 / bits;
        for (var i = 0; i < codes.Length; i++)
        {
            packed[i / perByte] |= (byte)(codes[i] << (i % perByte * bits));
        }
    }

    public static byte Unpack(ReadOnlySpan<byte> packed, int bits, int index)
    {
        var perByte = 8 / bits;
        var mask = (1 << bits) - 1;
        return (byte)((packed[index / perByte] >> (index % perByte * bits)) & mask);
    }
}
