using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

using Workflow.Serialization;

namespace Workflow.Runtime.Journal;

/// <summary>A journaled JSON value: parsed from a read journal, or the bytes this node just wrote.</summary>
internal readonly struct JournalPayload
{
    private readonly JsonElement _element;
    private readonly byte[]? _bytes;

    public JournalPayload(JsonElement element) => _element = element;

    public JournalPayload(byte[] bytes) => _bytes = bytes;

    public object? Deserialize(JsonTypeInfo typeInfo) =>
        _bytes is not null ? JsonSerializer.Deserialize(_bytes, typeInfo) : _element.Deserialize(typeInfo);

    /// <summary>Gets the value as JSON bytes: the bytes written, or the element read, serialized again.</summary>
    public byte[] ToBytes() => _bytes ?? JsonSerializer.SerializeToUtf8Bytes(_element, WorkflowJsonContext.Default.JsonElement);

    public JsonElement ToElement() =>
        _bytes is not null ? JsonSerializer.Deserialize(_bytes, WorkflowJsonContext.Default.JsonElement) : _element;
}
