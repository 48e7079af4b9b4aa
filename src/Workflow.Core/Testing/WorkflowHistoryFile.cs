using System.Text.Json;
using Workflow.Client;
using Workflow.Runtime.Journal;
using Workflow.Storage;

namespace Workflow.Testing;

/// <summary>
/// Recorded histories: an instance's journal saved as a JSON file, to commit next to your tests and replay with
/// <see cref="WorkflowReplayer"/>, so a change that in-flight instances could not follow fails the build, not production.
/// The format is <c>{"instanceId": "...", "events": [{"type": "step.completed.v1", "data": {...}}, ...]}</c>.
/// </summary>
public static class WorkflowHistoryFile
{
    /// <summary>Writes an instance's journal, read from a store, to <paramref name="destination"/>.</summary>
    /// <param name="store">The store that holds the instance.</param>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="destination">Where to write the JSON.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the file is written.</returns>
    /// <exception cref="Exceptions.WorkflowNotFoundException">The store has no such instance.</exception>
    public static async Task SaveAsync(IWorkflowStore store, string instanceId, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentNullException.ThrowIfNull(destination);
        var events = await store.ReadStreamAsync(instanceId, 1, ReadDirection.Forward, int.MaxValue, cancellationToken).ConfigureAwait(false);
        if (events.Count == 0)
        {
            throw new Exceptions.WorkflowNotFoundException(instanceId);
        }

        var writer = new Utf8JsonWriter(destination, new JsonWriterOptions { Indented = true });
        await using var disposeWriter = writer.ConfigureAwait(false);
        writer.WriteStartObject();
        writer.WriteString("instanceId", instanceId);
        writer.WriteStartArray("events");
        foreach (var recorded in events)
        {
            writer.WriteStartObject();
            writer.WriteString("type", recorded.Type);
            writer.WriteString("timestamp", recorded.Timestamp);
            writer.WritePropertyName("data");
            writer.WriteRawValue(recorded.Data.Span);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a recorded history.</summary>
    /// <param name="source">The JSON.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The instance id and its events, as a store would return them.</returns>
    /// <exception cref="JsonException">The file is not a recorded history.</exception>
    public static async Task<(string InstanceId, IReadOnlyList<RecordedEvent> Events)> LoadAsync(Stream source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var document = await JsonDocument.ParseAsync(source, cancellationToken: cancellationToken).ConfigureAwait(false);
        var root = document.RootElement;
        var instanceId = root.TryGetProperty("instanceId", out var id) && id.GetString() is { Length: > 0 } text
            ? text
            : throw new JsonException("A recorded history needs its 'instanceId'.");
        var events = new List<RecordedEvent>();
        foreach (var element in root.GetProperty("events").EnumerateArray())
        {
            var type = element.GetProperty("type").GetString() ?? throw new JsonException($"Event {events.Count + 1} of the history has no type.");
            var timestamp = element.TryGetProperty("timestamp", out var at) ? at.GetDateTimeOffset() : DateTimeOffset.UnixEpoch;
            var data = JsonSerializer.SerializeToUtf8Bytes(element.GetProperty("data"), Serialization.WorkflowJsonContext.Default.JsonElement);
            events.Add(new RecordedEvent(instanceId, events.Count + 1, events.Count + 1, Guid.NewGuid(), type, data, default, timestamp));
        }

        return (instanceId, events);
    }

    internal static IReadOnlyList<WorkflowHistoryEvent> Decode(IReadOnlyList<RecordedEvent> events) => [.. events.Select(JournalCodec.Decode)];
}
