using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace Workflow.AI;

/// <summary>
/// A tool that takes an idempotency key as one of its arguments (an MCP server's payment tool, for example), with that
/// argument filled in by the agent instead of by the model: the argument is left out of the JSON schema the model
/// sees, and each call gets its <see cref="ToolCallContext.IdempotencyKey"/>, which is the same in every attempt and
/// after every recovery, so the system behind the tool recognizes a call it has already done.
/// </summary>
/// <remarks>
/// Wrap it in <see cref="ApprovalRequiredAIFunction"/> to have a person approve each call: the approver sees the
/// arguments the model chose, and the key is added when the approved call runs. A value the model sends for the
/// argument anyway is replaced. The tool can only run as a tool call of an agent step.
/// </remarks>
public sealed class IdempotencyKeyAIFunction : DelegatingAIFunction
{
    private readonly JsonElement _jsonSchema;

    /// <summary>Initializes a tool that passes the agent's idempotency key as the argument <paramref name="parameterName"/>
    /// of <paramref name="innerFunction"/>.</summary>
    /// <param name="innerFunction">The tool, whose JSON schema has a property named <paramref name="parameterName"/>.</param>
    /// <param name="parameterName">The name of the argument that takes the key, for example <c>idempotencyKey</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerFunction"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="parameterName"/> is empty, or the tool's JSON schema has no
    /// property of that name.</exception>
    public IdempotencyKeyAIFunction(AIFunction innerFunction, string parameterName)
        : base(innerFunction)
    {
        ArgumentException.ThrowIfNullOrEmpty(parameterName);
        ParameterName = parameterName;
        _jsonSchema = WithoutParameter(innerFunction.JsonSchema, innerFunction.Name, parameterName);
    }

    /// <summary>Gets the name of the argument that takes the idempotency key.</summary>
    public string ParameterName { get; }

    /// <summary>Gets the tool's JSON schema without the argument that takes the key.</summary>
    public override JsonElement JsonSchema => _jsonSchema;

    /// <summary>Calls the tool with the arguments and the idempotency key of the agent's tool call.</summary>
    /// <param name="arguments">The model's arguments, with the tool call's <see cref="ToolCallContext"/> in their context.</param>
    /// <param name="cancellationToken">A token to cancel the call.</param>
    /// <returns>The tool's result.</returns>
    /// <exception cref="InvalidOperationException">The call is not a tool call of an agent step.</exception>
    protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var call = (arguments.Context is { } context && context.TryGetValue(typeof(ToolCallContext), out var value) ? value as ToolCallContext : null)
            ?? ToolCallContext.Current
            ?? throw new InvalidOperationException(
                $"The tool '{Name}' gets its '{ParameterName}' argument from the tool call of an agent step, and this call is not one. Give the tool to an agent (AgentOptions.Tools), or call the inner function with a key of your own.");
        var withKey = new AIFunctionArguments(new Dictionary<string, object?>(arguments, StringComparer.Ordinal))
        {
            Services = arguments.Services,
            Context = arguments.Context,
        };
        withKey[ParameterName] = call.IdempotencyKey;
        return base.InvokeCoreAsync(withKey, cancellationToken);
    }

    private static JsonElement WithoutParameter(JsonElement schema, string tool, string parameterName)
    {
        var root = JsonNode.Parse(schema.GetRawText()) as JsonObject;
        if (root?["properties"] is not JsonObject properties || !properties.Remove(parameterName))
        {
            var names = root?["properties"] is JsonObject known && known.Count > 0 ? string.Join(", ", known.Select(static p => p.Key)) : "none";
            throw new ArgumentException(
                $"The tool '{tool}' has no argument '{parameterName}' to pass the idempotency key in; its arguments are: {names}.", nameof(parameterName));
        }

        if (root["required"] is JsonArray required)
        {
            foreach (var entry in required.Where(e => e?.GetValueKind() == JsonValueKind.String && e.GetValue<string>() == parameterName).ToList())
            {
                required.Remove(entry);
            }
        }

        using var document = JsonDocument.Parse(root.ToJsonString());
        return document.RootElement.Clone();
    }
}
