namespace Workflow.Postgres.EventStore;

/// <summary>The outcome of an append that succeeded.</summary>
public readonly struct AppendResult : IEquatable<AppendResult>
{
    /// <summary>Initializes a result.</summary>
    /// <param name="streamVersion">The stream's version after the append.</param>
    /// <param name="alreadyAppended">Whether the events were found already appended (a retry).</param>
    public AppendResult(long streamVersion, bool alreadyAppended)
    {
        StreamVersion = streamVersion;
        AlreadyAppended = alreadyAppended;
    }

    /// <summary>Gets the version of the stream's last appended event: the expected version of the next append.</summary>
    public long StreamVersion { get; }

    /// <summary>Gets a value indicating whether the events (by id, in order) were already in the stream right after the
    /// expected version: an earlier attempt of this append committed, and nothing was written twice.</summary>
    public bool AlreadyAppended { get; }

    /// <inheritdoc />
    public bool Equals(AppendResult other) => StreamVersion == other.StreamVersion && AlreadyAppended == other.AlreadyAppended;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is AppendResult other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(StreamVersion, AlreadyAppended);

    /// <summary>Compares two results for equality.</summary>
    /// <param name="left">The first result.</param>
    /// <param name="right">The second result.</param>
    /// <returns><see langword="true"/> when they are equal.</returns>
    public static bool operator ==(AppendResult left, AppendResult right) => left.Equals(right);

    /// <summary>Compares two results for inequality.</summary>
    /// <param name="left">The first result.</param>
    /// <param name="right">The second result.</param>
    /// <returns><see langword="true"/> when they differ.</returns>
    public static bool operator !=(AppendResult left, AppendResult right) => !left.Equals(right);
}
