using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Workflow.AI.Internal;
using Workflow.Exceptions;

namespace Workflow.AI.Steps;

/// <summary>Turns the AI steps' typed exceptions into the step failures the journal keeps: a stable error type, the
/// message, details as JSON (the violations, or the transcript so far), and not retryable, because a retry would
/// replay the same journaled replies and fail the same way.</summary>
internal static class AIStepFailures
{
    public static StepFailedException From(StructuredOutputException exception) =>
        new(AIErrorTypes.StructuredOutputInvalid, exception.Message, exception)
        {
            NonRetryable = true,
            Details = Write(writer =>
            {
                writer.WriteString("type", exception.TargetType.FullName);
                writer.WriteNumber("attempts", exception.Attempts);
                writer.WriteStartArray("violations");
                foreach (var violation in exception.Violations)
                {
                    writer.WriteStartObject();
                    writer.WriteString("path", violation.Path);
                    writer.WriteString("keyword", violation.Keyword);
                    writer.WriteString("message", violation.Message);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteString("lastReply", exception.LastReply);
            }),
        };

    public static StepFailedException From(AgentLimitExceededException exception) =>
        new(exception.ErrorType, exception.Message, exception)
        {
            NonRetryable = true,
            Details = Write(writer =>
            {
                writer.WriteString("limit", exception.Limit == AgentLimit.Turns ? "turns" : "tokenBudget");
                writer.WriteNumber("turns", exception.Turns);
                writer.WriteStartObject("usage");
                writer.WriteNumber("inputTokens", exception.Usage.InputTokens);
                writer.WriteNumber("outputTokens", exception.Usage.OutputTokens);
                writer.WriteNumber("totalTokens", exception.Usage.TotalTokens);
                writer.WriteEndObject();
                writer.WritePropertyName("transcript");
                JsonSerializer.Serialize(writer, exception.Transcript, AIJson.Options.GetTypeInfo(typeof(IReadOnlyList<ChatMessage>)));
            }),
        };

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
