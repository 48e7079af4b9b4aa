namespace Workflow.Postgres.EventStore;

/// <summary>A snapshot of a stream: a state folded from its events up to a version, kept to rebuild the state without
/// reading those events again.</summary>
public sealed class StoredSnapshot
{
    internal StoredSnapshot(string streamId, string type, long version, ReadOnlyMemory<byte> state, DateTimeOffset timestamp)
    {
        StreamId = streamId;
        Type = type;
        Version = version;
        State = state;
        Timestamp = timestamp;
    }

    /// <summary>Gets the stream the snapshot is of.</summary>
    public string StreamId { get; }

    /// <summary>Gets the snapshot type: the name (and version) of the state's shape, chosen by the writer.</summary>
    public string Type { get; }

    /// <summary>Gets the version of the stream's last event folded into the state.</summary>
    public long Version { get; }

    /// <summary>Gets the state as UTF-8 JSON.</summary>
    public ReadOnlyMemory<byte> State { get; }

    /// <summary>Gets when the snapshot was stored (the database clock).</summary>
    public DateTimeOffset Timestamp { get; }
}
