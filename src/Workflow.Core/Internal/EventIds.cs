using System.Buffers.Binary;

namespace Workflow.Internal;

/// <summary>
/// Event ids: RFC 9562 version 7 UUIDs (a millisecond timestamp, then random bits), so ids sort by the time they were
/// made. The random bits come from <see cref="Random.Shared"/> rather than the operating system's cryptographic source,
/// which costs a system call per id (about half a microsecond, several times per workflow). An event id only has to be
/// unique, not secret: 74 random bits per millisecond make a repeat within one stream beyond reach. Instance ids,
/// which callers may hand out, keep the cryptographic source.
/// </summary>
internal static class EventIds
{
    /// <summary>Creates a version 7 UUID for <paramref name="timestamp"/>.</summary>
    /// <param name="timestamp">When the event is made.</param>
    /// <returns>The id.</returns>
    public static Guid NewVersion7(DateTimeOffset timestamp)
    {
        var milliseconds = timestamp.ToUnixTimeMilliseconds();
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds, nameof(timestamp));
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)(milliseconds >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(bytes[2..], (uint)milliseconds);
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true);
    }
}
