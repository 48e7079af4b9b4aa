namespace Workflow.Storage;

/// <summary>An event as the store recorded it: the appended event plus its stream version, global position and time.</summary>
public sealed class RecordedEvent
{
    /// <summary>Initializes a recorded event. Stores create these; callers read them.</summary>
    /// <param name="streamId">The stream (workflow instance) the event belongs to.</param>
    /// <param name="version">The 1-based version of the event within its stream.</param>
    /// <param name="position">The position of the event in the store's global order.</param>
    /// <param name="eventId">The unique id the writer gave the event.</param>
    /// <param name="type">The stable type name of the event.</param>
    /// <param name="data">The UTF-8 JSON payload.</param>
    /// <param name="metadata">The UTF-8 JSON metadata, or empty.</param>
    /// <param name="timestamp">When the store recorded the event.</param>
    public RecordedEvent(
        string streamId,
        long version,
        long position,
        Guid eventId,
        string type,
        ReadOnlyMemory<byte> data,
        ReadOnlyMemory<byte> metadata,
        DateTimeOffset timestamp)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        ArgumentException.ThrowIfNullOrEmpty(type);
        StreamId = streamId;
        Version = version;
        Position = position;
        EventId = eventId;
        Type = type;
        Data = data;
        Metadata = metadata;
        Timestamp = timestamp;
    }

    /// <summary>Gets the stream (workflow instance) the event belongs to.</summary>
    public string StreamId { get; }

    /// <summary>Gets the 1-based version of the event within its stream.</summary>
    public long Version { get; }

    /// <summary>Gets the position of the event in the store's global order.</summary>
    public long Position { get; }

    /// <summary>Gets the unique id the writer gave the event.</summary>
    public Guid EventId { get; }

    /// <summary>Gets the stable type name of the event.</summary>
    public string Type { get; }

    /// <summary>Gets the UTF-8 JSON payload.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Gets the UTF-8 JSON metadata, or an empty buffer.</summary>
    public ReadOnlyMemory<byte> Metadata { get; }

    /// <summary>Gets when the store recorded the event.</summary>
    public DateTimeOffset Timestamp { get; }
}
