using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Workflow.Postgres.EventStore;

/// <summary>An event as the event store holds it: what was appended, where it sits in its stream and in the global
/// order, and when it was recorded. Events read through the store are already upcast to their newest type.</summary>
public sealed class StoredEvent
{
    internal StoredEvent(
        string streamId,
        long version,
        EventStorePosition position,
        Guid eventId,
        string type,
        ReadOnlyMemory<byte> data,
        ReadOnlyMemory<byte> metadata,
        DateTimeOffset timestamp)
    {
        StreamId = streamId;
        Version = version;
        Position = position;
        EventId = eventId;
        Type = type;
        Data = data;
        Metadata = metadata;
        Timestamp = timestamp;
    }

    /// <summary>Gets the stream the event belongs to.</summary>
    public string StreamId { get; }

    /// <summary>Gets the 1-based version of the event within its stream.</summary>
    public long Version { get; }

    /// <summary>Gets the event's place in the global order (a checkpoint to read or subscribe after).</summary>
    public EventStorePosition Position { get; }

    /// <summary>Gets the unique id the writer gave the event.</summary>
    public Guid EventId { get; }

    /// <summary>Gets the event's type name: after upcasting, the newest type it upcasts to.</summary>
    public string Type { get; }

    /// <summary>Gets the UTF-8 JSON payload, or an empty buffer for an event appended without one.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Gets the UTF-8 JSON metadata, or an empty buffer.</summary>
    public ReadOnlyMemory<byte> Metadata { get; }

    /// <summary>Gets when the store recorded the event (the database clock).</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Deserializes the payload with System.Text.Json.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="options">The serializer options, or <see langword="null"/> for the web defaults (camelCase).</param>
    /// <returns>The payload, or <see langword="default"/> for an empty payload or JSON <c>null</c>.</returns>
    /// <exception cref="JsonException">The payload is not a <typeparamref name="T"/>.</exception>
    public T? Deserialize<T>(JsonSerializerOptions? options = null) =>
        Data.IsEmpty ? default : JsonSerializer.Deserialize<T>(Data.Span, options ?? JsonSerializerOptions.Web);

    /// <summary>Deserializes the payload with System.Text.Json and source-generated metadata.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="typeInfo">The metadata of <typeparamref name="T"/>.</param>
    /// <returns>The payload, or <see langword="default"/> for an empty payload or JSON <c>null</c>.</returns>
    /// <exception cref="JsonException">The payload is not a <typeparamref name="T"/>.</exception>
    public T? Deserialize<T>(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return Data.IsEmpty ? default : JsonSerializer.Deserialize(Data.Span, typeInfo);
    }
}
