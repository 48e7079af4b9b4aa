using System.Globalization;

namespace Workflow.Postgres.EventStore;

/// <summary>
/// A place in the event store's global order: a checkpoint a reader or a subscription resumes after. Treat it as
/// opaque: compare positions, keep them (as they are or as text with <see cref="ToString"/> and <see cref="Parse"/>),
/// and hand them back to the store.
/// </summary>
/// <remarks>
/// The global order is the order of the writing transactions' ids, then of insertion within a transaction. Readers only
/// read below the oldest transaction still in flight, so an event committed late by a concurrent transaction is never
/// skipped: a position, once passed, is never followed by an event that appears before it.
/// </remarks>
public readonly struct EventStorePosition : IEquatable<EventStorePosition>, IComparable<EventStorePosition>
{
    internal EventStorePosition(ulong transactionId, long sequence)
    {
        TransactionId = transactionId;
        Sequence = sequence;
    }

    /// <summary>Gets the position before the first event: reading after it reads everything.</summary>
    public static EventStorePosition Start => default;

    /// <summary>Gets a value indicating whether this is <see cref="Start"/>.</summary>
    public bool IsStart => TransactionId == 0 && Sequence == 0;

    /// <summary>Gets the id (xid8) of the transaction that wrote the event.</summary>
    internal ulong TransactionId { get; }

    /// <summary>Gets the event's <c>global_position</c>: unique, but neither contiguous nor in commit order.</summary>
    internal long Sequence { get; }

    /// <summary>Parses the text form that <see cref="ToString"/> produces.</summary>
    /// <param name="value">The text, for example <c>1042/877</c>.</param>
    /// <returns>The position.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="value"/> is not a position.</exception>
    public static EventStorePosition Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return TryParse(value, out var position)
            ? position
            : throw new FormatException($"'{(value.Length > 64 ? value[..64] + "…" : value)}' is not an event store position; positions look like '1042/877' (the text of EventStorePosition.ToString()).");
    }

    /// <summary>Parses the text form that <see cref="ToString"/> produces.</summary>
    /// <param name="value">The text.</param>
    /// <param name="position">The position, when the text is one.</param>
    /// <returns><see langword="true"/> when <paramref name="value"/> is a position.</returns>
    public static bool TryParse(string? value, out EventStorePosition position)
    {
        position = default;
        var slash = value?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (slash <= 0
            || !ulong.TryParse(value.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var transactionId)
            || !long.TryParse(value.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return false;
        }

        position = new EventStorePosition(transactionId, sequence);
        return true;
    }

    /// <summary>Returns the text form of the position, for example <c>1042/877</c>, which <see cref="Parse"/> reads.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{TransactionId}/{Sequence}");

    /// <inheritdoc />
    public int CompareTo(EventStorePosition other)
    {
        var byTransaction = TransactionId.CompareTo(other.TransactionId);
        return byTransaction != 0 ? byTransaction : Sequence.CompareTo(other.Sequence);
    }

    /// <inheritdoc />
    public bool Equals(EventStorePosition other) => TransactionId == other.TransactionId && Sequence == other.Sequence;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is EventStorePosition other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(TransactionId, Sequence);

    /// <summary>Compares two positions for equality.</summary>
    /// <param name="left">The first position.</param>
    /// <param name="right">The second position.</param>
    /// <returns><see langword="true"/> when they are the same position.</returns>
    public static bool operator ==(EventStorePosition left, EventStorePosition right) => left.Equals(right);

    /// <summary>Compares two positions for inequality.</summary>
    /// <param name="left">The first position.</param>
    /// <param name="right">The second position.</param>
    /// <returns><see langword="true"/> when they are different positions.</returns>
    public static bool operator !=(EventStorePosition left, EventStorePosition right) => !left.Equals(right);

    /// <summary>Whether <paramref name="left"/> comes before <paramref name="right"/> in the global order.</summary>
    /// <param name="left">The first position.</param>
    /// <param name="right">The second position.</param>
    /// <returns><see langword="true"/> when <paramref name="left"/> comes first.</returns>
    public static bool operator <(EventStorePosition left, EventStorePosition right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> comes after <paramref name="right"/> in the global order.</summary>
    /// <param name="left">The first position.</param>
    /// <param name="right">The second position.</param>
    /// <returns><see langword="true"/> when <paramref name="left"/> comes later.</returns>
    public static bool operator >(EventStorePosition left, EventStorePosition right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> comes before <paramref name="right"/> or is the same.</summary>
    /// <param name="left">The first position.</param>
    /// <param name="right">The second position.</param>
    /// <returns><see langword="true"/> when <paramref name="left"/> does not come later.</returns>
    public static bool operator <=(EventStorePosition left, EventStorePosition right) => left.CompareTo(right) <= 0;

    /// <summary>Whether <paramref name="left"/> comes after <paramref name="right"/> or is the same.</summary>
    /// <param name="left">The first position.</param>
    /// <param name="right">The second position.</param>
    /// <returns><see langword="true"/> when <paramref name="left"/> does not come first.</returns>
    public static bool operator >=(EventStorePosition left, EventStorePosition right) => left.CompareTo(right) >= 0;
}
