using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;

namespace Workflow.Postgres.Storage;

/// <summary>
/// The position after the last instance of a page, newest first: its creation time and id. Tokens are opaque to
/// callers (a versioned prefix and base64url), and anything else is rejected as foreign.
/// </summary>
internal readonly record struct ContinuationToken(DateTimeOffset CreatedAt, string InstanceId)
{
    private const string Prefix = "pg1.";

    public override string ToString()
    {
        var id = Encoding.UTF8.GetBytes(InstanceId);
        var bytes = new byte[8 + id.Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, CreatedAt.UtcTicks);
        id.CopyTo(bytes, 8);
        return Prefix + Base64Url.EncodeToString(bytes);
    }

    /// <summary>Parses a token this store issued, or returns <see langword="null"/> for none.</summary>
    /// <exception cref="ArgumentException">The token is not one this store issued.</exception>
    public static ContinuationToken? Parse(string? token, string paramName)
    {
        if (token is null)
        {
            return null;
        }

        if (token.StartsWith(Prefix, StringComparison.Ordinal) && Base64Url.IsValid(token.AsSpan(Prefix.Length)))
        {
            var bytes = Base64Url.DecodeFromChars(token.AsSpan(Prefix.Length));
            if (bytes.Length > 8)
            {
                var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
                if (ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks)
                {
                    try
                    {
                        var id = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes, 8, bytes.Length - 8);
                        return new ContinuationToken(new DateTimeOffset(ticks, TimeSpan.Zero), id);
                    }
                    catch (DecoderFallbackException)
                    {
                        // Falls through to the rejection below.
                    }
                }
            }
        }

        throw new ArgumentException(
            "The continuation token is not one this store issued. Pass the token of the previous page unchanged, or null for the first page.",
            paramName);
    }
}

/// <summary>
/// The position after the last approval of a page, oldest first: its request time, instance id and path. Opaque to
/// callers like <see cref="ContinuationToken"/>, with a prefix of its own so a token of one query is refused by the other.
/// </summary>
internal readonly record struct ApprovalContinuationToken(DateTimeOffset RequestedAt, string InstanceId, string StepPath)
{
    private const string Prefix = "pga1.";

    public override string ToString()
    {
        var id = Encoding.UTF8.GetBytes(InstanceId);
        var path = Encoding.UTF8.GetBytes(StepPath);
        var bytes = new byte[12 + id.Length + path.Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, RequestedAt.UtcTicks);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), id.Length);
        id.CopyTo(bytes, 12);
        path.CopyTo(bytes, 12 + id.Length);
        return Prefix + Base64Url.EncodeToString(bytes);
    }

    /// <summary>Parses a token this store issued, or returns <see langword="null"/> for none.</summary>
    /// <exception cref="ArgumentException">The token is not one this store issued.</exception>
    public static ApprovalContinuationToken? Parse(string? token, string paramName)
    {
        if (token is null)
        {
            return null;
        }

        if (token.StartsWith(Prefix, StringComparison.Ordinal) && Base64Url.IsValid(token.AsSpan(Prefix.Length)))
        {
            var bytes = Base64Url.DecodeFromChars(token.AsSpan(Prefix.Length));
            if (bytes.Length > 12)
            {
                var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
                var idLength = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8));
                if (ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks
                    && idLength > 0 && idLength < bytes.Length - 12)
                {
                    try
                    {
                        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
                        return new ApprovalContinuationToken(
                            new DateTimeOffset(ticks, TimeSpan.Zero),
                            utf8.GetString(bytes, 12, idLength),
                            utf8.GetString(bytes, 12 + idLength, bytes.Length - 12 - idLength));
                    }
                    catch (DecoderFallbackException)
                    {
                        // Falls through to the rejection below.
                    }
                }
            }
        }

        throw new ArgumentException(
            "The continuation token is not one this store issued. Pass the token of the previous page unchanged, or null for the first page.",
            paramName);
    }
}
