using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Workflow.AI.Internal;

namespace Workflow.AI.Journaling;

/// <summary>
/// The journal record of one completed model call, kept as a step sub-result:
/// <c>{"kind":"workflow.ai.chat.v1","request":"sha256 of the request","streamed":bool,"response":{ChatResponse}}</c>.
/// The response is written with Microsoft.Extensions.AI's JSON options, so the record does not depend on the host's.
/// </summary>
internal static class ChatCallRecord
{
    public const string Kind = "workflow.ai.chat.v1";

    public static JsonElement Encode(ChatResponse response, string fingerprint, bool streamed)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", Kind);
            writer.WriteString("request", fingerprint);
            writer.WriteBoolean("streamed", streamed);
            writer.WritePropertyName("response");
            JsonSerializer.Serialize(writer, response, AIJson.Options.GetTypeInfo(typeof(ChatResponse)));
            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    public static bool IsRecord(JsonElement value) =>
        value.ValueKind == JsonValueKind.Object
        && value.TryGetProperty("kind", out var kind)
        && kind.ValueKind == JsonValueKind.String
        && kind.ValueEquals(Kind);

    public static ChatResponse Decode(JsonElement record, string key, string stepPath, out string? fingerprint)
    {
        if (!IsRecord(record) || !record.TryGetProperty("response", out var response))
        {
            throw new InvalidOperationException(
                $"The journaled sub-result '{key}' of step '{stepPath}' is not a model call of Workflow.AI. Another RunOnceAsync call in the step uses the same key; give it a key that does not look like '{key}', or give the durable chat client another DurableChatClientOptions.KeyPrefix.");
        }

        fingerprint = record.TryGetProperty("request", out var request) && request.ValueKind == JsonValueKind.String ? request.GetString() : null;
        return (ChatResponse)(response.Deserialize(AIJson.Options.GetTypeInfo(typeof(ChatResponse)))
            ?? throw new InvalidOperationException($"The journaled model call '{key}' of step '{stepPath}' holds no response."));
    }

    /// <summary>Reads the token usage of a record without deserializing the whole response.</summary>
    public static (long Input, long Output, long Total) ReadUsage(JsonElement record)
    {
        if (!record.TryGetProperty("response", out var response) || !response.TryGetProperty("usage", out var usage) || usage.ValueKind != JsonValueKind.Object)
        {
            return (0, 0, 0);
        }

        var input = ReadLong(usage, "inputTokenCount");
        var output = ReadLong(usage, "outputTokenCount");
        var total = ReadLong(usage, "totalTokenCount");
        return (input, output, total == 0 ? input + output : total);

        static long ReadLong(JsonElement usage, string name) =>
            usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : 0;
    }

    /// <summary>A digest of what a call sends: the messages and the options that change the answer. A replayed call
    /// whose digest differs was journaled for another request (the prompt or tools changed since).</summary>
    public static string Fingerprint(IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("messages");
            var messageInfo = AIJson.Options.GetTypeInfo(typeof(ChatMessage));
            foreach (var message in messages)
            {
                JsonSerializer.Serialize(writer, message, messageInfo);
            }

            writer.WriteEndArray();
            if (options is not null)
            {
                WriteOptions(writer, options);
            }

            writer.WriteEndObject();
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer.WrittenSpan, hash);
        return Convert.ToHexStringLower(hash);
    }

    private static void WriteOptions(Utf8JsonWriter writer, ChatOptions options)
    {
        WriteString(writer, "model", options.ModelId);
        WriteString(writer, "instructions", options.Instructions);
        WriteString(writer, "conversation", options.ConversationId);
        WriteNumber(writer, "temperature", options.Temperature);
        WriteNumber(writer, "topP", options.TopP);
        WriteNumber(writer, "frequencyPenalty", options.FrequencyPenalty);
        WriteNumber(writer, "presencePenalty", options.PresencePenalty);
        if (options.MaxOutputTokens is { } maxOutputTokens)
        {
            writer.WriteNumber("maxOutputTokens", maxOutputTokens);
        }

        if (options.TopK is { } topK)
        {
            writer.WriteNumber("topK", topK);
        }

        if (options.Seed is { } seed)
        {
            writer.WriteNumber("seed", seed);
        }

        if (options.StopSequences is { Count: > 0 } stops)
        {
            writer.WriteStartArray("stop");
            foreach (var stop in stops)
            {
                writer.WriteStringValue(stop);
            }

            writer.WriteEndArray();
        }

        switch (options.ResponseFormat)
        {
            case ChatResponseFormatJson json:
                writer.WriteStartObject("responseFormat");
                WriteString(writer, "name", json.SchemaName);
                if (json.Schema is { } schema)
                {
                    writer.WritePropertyName("schema");
                    schema.WriteTo(writer);
                }

                writer.WriteEndObject();
                break;
            case ChatResponseFormatText:
                writer.WriteString("responseFormat", "text");
                break;
        }

        WriteString(writer, "toolMode", options.ToolMode switch
        {
            null => null,
            RequiredChatToolMode { RequiredFunctionName: { } name } => "require:" + name,
            RequiredChatToolMode => "require-any",
            NoneChatToolMode => "none",
            _ => "auto",
        });
        if (options.Tools is { Count: > 0 } tools)
        {
            writer.WriteStartArray("tools");
            foreach (var tool in tools)
            {
                writer.WriteStartObject();
                writer.WriteString("name", tool.Name);
                WriteString(writer, "description", tool.Description);
                if (tool is AIFunctionDeclaration declaration)
                {
                    writer.WritePropertyName("schema");
                    declaration.JsonSchema.WriteTo(writer);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
    }

    private static void WriteString(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteNumber(Utf8JsonWriter writer, string name, float? value)
    {
        if (value is { } number)
        {
            writer.WriteString(name, number.ToString("R", CultureInfo.InvariantCulture));
        }
    }
}
