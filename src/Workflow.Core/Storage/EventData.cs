namespace Workflow.Storage;

/// <summary>An event to append to a stream: its identity, its stable type name and its serialized payload.</summary>
/// <remarks>
/// The event id makes appends idempotent: appending the same ids at the same expected version again succeeds
/// without writing anything twice, which is how a caller retries an append whose outcome it does not know.
/// </remarks>
public readonly struct EventData
{
    /// <summary>Initializes a new event.</summary>
    /// <param name="eventId">The unique id of the event, chosen by the writer.</param>
    /// <param name="type">The stable type name of the event, for example <c>step.completed.v1</c>.</param>
    /// <param name="data">The UTF-8 JSON payload.</param>
    /// <param name="metadata">Optional UTF-8 JSON metadata, or empty.</param>
    /// <exception cref="ArgumentException"><paramref name="eventId"/> is empty or <paramref name="type"/> is empty.</exception>
    public EventData(Guid eventId, string type, ReadOnlyMemory<byte> data, ReadOnlyMemory<byte> metadata = default)
    {
        if (eventId == Guid.Empty)
        {
            throw new ArgumentException("An event id must not be empty.", nameof(eventId));
        }

        ArgumentException.ThrowIfNullOrEmpty(type);
        EventId = eventId;
        Type = type;
        Data = data;
        Metadata = metadata;
    }

    private EventData(Guid eventId, string type, byte[] data)
    {
        EventId = eventId;
        Type = type;
        Data = data;
        IsOwned = true;
    }

    /// <summary>Gets a value indicating whether <see cref="Data"/> is an array nobody else holds or changes (the
    /// journal codec's own output), which an in-memory store may keep without copying.</summary>
    internal bool IsOwned { get; }

    /// <summary>Gets the unique id of the event.</summary>
    public Guid EventId { get; }

    /// <summary>Gets the stable type name of the event.</summary>
    public string Type { get; }

    /// <summary>Gets the UTF-8 JSON payload.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Gets the UTF-8 JSON metadata, or an empty buffer.</summary>
    public ReadOnlyMemory<byte> Metadata { get; }

    /// <summary>Creates an event whose payload array the caller gives away: no one else holds or changes it.</summary>
    internal static EventData Owned(Guid eventId, string type, byte[] data) => new(eventId, type, data);
}
