using Microsoft.Extensions.AI;
using Workflow.Steps;

namespace Workflow.AI;

/// <summary>
/// The call an agent's tool is running for: read it from <see cref="Current"/> inside the tool (or from
/// <c>AIFunctionArguments.Context[typeof(ToolCallContext)]</c>). Pass <see cref="IdempotencyKey"/> to the systems the
/// tool changes: a tool whose call did not complete (the process died while it ran) is called again with the same key.
/// </summary>
public sealed class ToolCallContext
{
    private static readonly AsyncLocal<ToolCallContext?> CurrentContext = new();

    internal ToolCallContext(StepContext stepContext, string toolCallKey, FunctionCallContent call)
    {
        StepContext = stepContext;
        ToolCallKey = toolCallKey;
        CallId = call.CallId;
        ToolName = call.Name;
        IdempotencyKey = string.Concat(stepContext.IdempotencyKey, "/", toolCallKey);
    }

    /// <summary>Gets the context of the tool call running on this asynchronous flow, or <see langword="null"/> outside one.</summary>
    public static ToolCallContext? Current => CurrentContext.Value;

    /// <summary>Gets the context of the agent's step attempt: for progress (<c>Emit</c>), services, the clock.</summary>
    public StepContext StepContext { get; }

    /// <summary>Gets the key the call's result is journaled under in the step, for example <c>tool-3</c>: the tool
    /// calls of a step are numbered in the order the model made them.</summary>
    public string ToolCallKey { get; }

    /// <summary>Gets a key that is the same every time this call runs, in every attempt and after every recovery:
    /// <c>{instanceId}/{stepPath}/{toolCallKey}</c>.</summary>
    public string IdempotencyKey { get; }

    /// <summary>Gets the model's id of the call.</summary>
    public string CallId { get; }

    /// <summary>Gets the name of the tool called.</summary>
    public string ToolName { get; }

    internal static ToolCallContext? Enter(ToolCallContext context)
    {
        var previous = CurrentContext.Value;
        CurrentContext.Value = context;
        return previous;
    }

    internal static void Exit(ToolCallContext? previous) => CurrentContext.Value = previous;
}
