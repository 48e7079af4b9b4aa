using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Workflow.Internal;

/// <summary>Ids that follow from names: the same names always give the same id, so writing the same thing twice
/// appends an event the store recognises as already written.</summary>
internal static class NameBasedGuid
{
    // Inputs up to this size are hashed from the stack; larger ones from a pooled array.
    private const int StackLimit = 512;

    public static Guid Create(string first, string second, string third, ReadOnlySpan<byte> data = default)
    {
        // SHA-256 over UTF-8(first) 0 UTF-8(second) 0 UTF-8(third) 0 data.
        var length = Encoding.UTF8.GetByteCount(first) + Encoding.UTF8.GetByteCount(second) + Encoding.UTF8.GetByteCount(third) + 3 + data.Length;
        byte[]? rented = null;
        var buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Append(buffer, 0, first);
            written = Append(buffer, written, second);
            written = Append(buffer, written, third);
            data.CopyTo(buffer[written..]);
            written += data.Length;
            Span<byte> digest = stackalloc byte[32];
            SHA256.HashData(buffer[..written], digest);
            digest[6] = (byte)((digest[6] & 0x0F) | 0x80); // version 8: a name-based id of our own
            digest[8] = (byte)((digest[8] & 0x3F) | 0x80); // RFC 9562 variant
            return new Guid(digest[..16], bigEndian: true);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static int Append(Span<byte> buffer, int at, string part)
    {
        at += Encoding.UTF8.GetBytes(part, buffer[at..]);
        buffer[at] = 0;
        return at + 1;
    }
}
