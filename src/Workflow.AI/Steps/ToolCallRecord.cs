using System.Buffers;
using System.Text.Json;
using Workflow.AI.Internal;

namespace Workflow.AI.Steps;

/// <summary>The journal record of one completed tool call, kept as a step sub-result:
/// <c>{"kind":"workflow.ai.tool.v1","tool":name,"result":json}</c> or <c>{...,"error":"what the model was told"}</c>.
/// A call that failed is journaled too: the model was told, so a replay must tell it the same.</summary>
internal static class ToolCallRecord
{
    public const string Kind = "workflow.ai.tool.v1";

    public static JsonElement Success(string tool, object? result) => Write(tool, writer =>
    {
        writer.WritePropertyName("result");
        if (result is JsonElement element)
        {
            element.WriteTo(writer);
        }
        else if (result is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            JsonSerializer.Serialize(writer, result, AIJson.Options.GetTypeInfo(result.GetType()));
        }
    });

    public static JsonElement Failure(string tool, string error) => Write(tool, writer => writer.WriteString("error", error));

    public static object? Read(JsonElement record, string key, string stepPath, out string? error)
    {
        if (record.ValueKind != JsonValueKind.Object || !record.TryGetProperty("kind", out var kind) || !kind.ValueEquals(Kind))
        {
            throw new InvalidOperationException(
                $"The journaled sub-result '{key}' of step '{stepPath}' is not a tool call of Workflow.AI. Another RunOnceAsync call in the step uses the same key; give it a key that does not look like '{key}'.");
        }

        error = record.TryGetProperty("error", out var failure) ? failure.GetString() : null;
        return error is null && record.TryGetProperty("result", out var result) ? result.Clone() : null;
    }

    private static JsonElement Write(string tool, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", Kind);
            writer.WriteString("tool", tool);
            body(writer);
            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }
}
