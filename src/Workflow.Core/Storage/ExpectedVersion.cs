using System.Globalization;

namespace Workflow.Storage;

/// <summary>
/// The version a stream must be at for an append to succeed: the optimistic-concurrency check of the store.
/// </summary>
/// <remarks>
/// Versions are 1-based: the first event of a stream has version 1 and a stream holding <c>n</c> events is at
/// version <c>n</c>. A stream that does not exist is at version 0, so <see cref="NoStream"/> equals
/// <c>Exactly(0)</c>.
/// </remarks>
public readonly struct ExpectedVersion : IEquatable<ExpectedVersion>
{
    private const long AnyValue = -1;

    private ExpectedVersion(long value) => Value = value;

    /// <summary>Gets an expectation that accepts a stream at any version, including one that does not exist yet.</summary>
    public static ExpectedVersion Any => new(AnyValue);

    /// <summary>Gets an expectation that the stream does not exist yet (holds no event).</summary>
    public static ExpectedVersion NoStream => new(0);

    /// <summary>Gets the expected version, or -1 for <see cref="Any"/>.</summary>
    public long Value { get; }

    /// <summary>Gets a value indicating whether any version is accepted.</summary>
    public bool IsAny => Value == AnyValue;

    /// <summary>Creates an expectation that the stream is exactly at <paramref name="version"/>.</summary>
    /// <param name="version">The version the stream must be at; 0 means the stream must not exist.</param>
    /// <returns>The expectation.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="version"/> is negative.</exception>
    public static ExpectedVersion Exactly(long version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        return new(version);
    }

    /// <inheritdoc />
    public bool Equals(ExpectedVersion other) => Value == other.Value;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ExpectedVersion other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Value.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => Value switch
    {
        AnyValue => "any",
        0 => "no stream",
        _ => Value.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Compares two expectations for equality.</summary>
    /// <param name="left">The first expectation.</param>
    /// <param name="right">The second expectation.</param>
    /// <returns><see langword="true"/> when both expect the same version.</returns>
    public static bool operator ==(ExpectedVersion left, ExpectedVersion right) => left.Equals(right);

    /// <summary>Compares two expectations for inequality.</summary>
    /// <param name="left">The first expectation.</param>
    /// <param name="right">The second expectation.</param>
    /// <returns><see langword="true"/> when they expect different versions.</returns>
    public static bool operator !=(ExpectedVersion left, ExpectedVersion right) => !left.Equals(right);
}
