using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Workflow.AI.Internal;
using Workflow.Steps;

namespace Workflow.AI.Steps;

/// <summary>
/// Asks for JSON matching a type's schema, validates the reply against the schema with JsonSchema.Net (a reply that
/// merely deserializes is not enough: missing, mistyped, out-of-range and unknown values are violations), and sends
/// each violation's JSONPath and rule back to the model to be repaired, a bounded number of times.
/// </summary>
internal static class StructuredOutputRunner
{
    public static async Task<T> RunAsync<T>(StepContext context, string prompt, ExtractOptions options, CancellationToken cancellationToken)
    {
        var serializerOptions = options.SerializerOptions ?? AIJson.Options;
        serializerOptions.MakeReadOnly(populateMissingResolver: true);
        var validator = JsonSchemaValidator.ForType(typeof(T), serializerOptions, options.AllowAdditionalProperties);
        var client = AIStepRuntime.Client(context, options.Provider);
        var chatOptions = options.ChatOptions?.Clone() ?? new ChatOptions();
        if (options.UseJsonSchemaResponseFormat)
        {
            chatOptions.ResponseFormat = ChatResponseFormat.ForJsonSchema(validator.Schema, SchemaName(typeof(T)));
        }

        var messages = AIStepRuntime.Conversation(Instructions(options.Instructions, validator.Schema), prompt);
        for (var attempt = 1; ; attempt++)
        {
            var response = await AIStepRuntime.CallAsync(client, messages, chatOptions, options.Stream, cancellationToken).ConfigureAwait(false);
            var text = response.Text;
            var violations = Read<T>(text, validator, serializerOptions, out var value);
            if (violations.Count == 0)
            {
                return value!;
            }

            if (attempt > options.MaxRepairAttempts)
            {
                throw new StructuredOutputException(typeof(T), violations, text, attempt);
            }

            Log.StructuredOutputRepair(AIStepRuntime.Logger(context), context.StepPath, typeof(T).Name, string.Join(", ", violations.Select(v => $"{v.Path} ({v.Keyword})")), attempt, options.MaxRepairAttempts);
            messages.AddMessages(response);
            messages.Add(new ChatMessage(ChatRole.User, RepairPrompt(violations)));
        }
    }

    /// <summary>Reads a reply: the JSON (inside a Markdown code fence or not), checked against the schema, then read
    /// as <typeparamref name="T"/>. Returns the violations; none means <paramref name="value"/> is set.</summary>
    internal static IReadOnlyList<SchemaViolation> Read<T>(string text, JsonSchemaValidator validator, JsonSerializerOptions serializerOptions, out T? value)
    {
        value = default;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(StripFence(text));
        }
        catch (JsonException ex)
        {
            return [new SchemaViolation("$", "json", $"the reply is not valid JSON ({ex.Message}); reply with the JSON value only")];
        }

        using (document)
        {
            var violations = validator.Validate(document.RootElement);
            if (violations.Count > 0)
            {
                return violations;
            }

            try
            {
                value = (T?)document.RootElement.Deserialize(serializerOptions.GetTypeInfo(typeof(T)));
            }
            catch (JsonException ex)
            {
                return [new SchemaViolation(ex.Path ?? "$", "type", $"the value cannot be read as {typeof(T).Name}: {ex.Message}")];
            }

            return value is null && typeof(T).IsValueType is false
                ? [new SchemaViolation("$", "type", "the value is null; reply with a JSON value that matches the schema")]
                : [];
        }
    }

    internal static string RepairPrompt(IReadOnlyList<SchemaViolation> violations)
    {
        var prompt = new StringBuilder("Your reply does not match the required JSON schema:\n");
        foreach (var violation in violations)
        {
            prompt.Append("- at ").Append(violation.Path).Append(" (rule: ").Append(violation.Keyword).Append("): ").Append(violation.Message).Append('\n');
        }

        return prompt.Append("Reply again with the whole corrected JSON value, and nothing else.").ToString();
    }

    private static string Instructions(string? instructions, JsonElement schema)
    {
        var text = new StringBuilder();
        if (!string.IsNullOrWhiteSpace(instructions))
        {
            text.Append(instructions).Append("\n\n");
        }

        return text.Append("Reply with a single JSON value, and nothing else, that matches this JSON schema:\n").Append(schema.GetRawText()).ToString();
    }

    private static string StripFence(string text)
    {
        var trimmed = text.AsSpan().Trim();
        if (trimmed.StartsWith("```", StringComparison.Ordinal))
        {
            var firstLine = trimmed.IndexOf('\n');
            var end = trimmed.LastIndexOf("```", StringComparison.Ordinal);
            if (firstLine > 0 && end > firstLine)
            {
                trimmed = trimmed[(firstLine + 1)..end].Trim();
            }
        }

        return trimmed.ToString();
    }

    private static string SchemaName(Type type)
    {
        var name = new StringBuilder();
        foreach (var c in type.Name)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
        }

        return name.Length == 0 ? "output" : name.ToString();
    }
}
