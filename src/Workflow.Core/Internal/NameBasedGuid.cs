using System.Security.Cryptography;
using System.Text;

namespace Workflow.Internal;

/// <summary>Ids that follow from names: the same names always give the same id, so writing the same thing twice
/// appends an event the store recognises as already written.</summary>
internal static class NameBasedGuid
{
    public static Guid Create(string first, string second, string third, ReadOnlySpan<byte> data = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var part in (ReadOnlySpan<string>)[first, second, third])
        {
            hash.AppendData(Encoding.UTF8.GetBytes(part));
            hash.AppendData([0]);
        }

        hash.AppendData(data);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        digest[6] = (byte)((digest[6] & 0x0F) | 0x80); // version 8: a name-based id of our own
        digest[8] = (byte)((digest[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(digest[..16], bigEndian: true);
    }
}
