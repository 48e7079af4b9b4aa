using Microsoft.Extensions.AI;
using Workflow.AI;
using Workflow.AI.Steps;

namespace Workflow.Steps;

/// <summary>Model calls from inside any step: a durable chat client, and the prompt, extract and agent operations
/// that the <c>Prompt</c>, <c>Extract</c> and <c>Agent</c> steps run. Every model call and tool result is journaled in
/// the step, so when the step runs again they replay instead of being repeated.</summary>
public static class StepContextAIExtensions
{
    /// <summary>Gets a chat client for this step attempt: the provider's client (with its resilience and failover)
    /// inside a <see cref="DurableChatClient"/> that journals each completed response.</summary>
    /// <param name="context">The step's context.</param>
    /// <param name="provider">The provider or failover chain, or <see langword="null"/> for the default.</param>
    /// <param name="options">Options of the durable client, or <see langword="null"/> for the defaults.</param>
    /// <returns>The client; use it only during this step attempt.</returns>
    /// <exception cref="InvalidOperationException">Workflow.AI is not set up (<c>AddAI</c>), or no provider of that name is registered.</exception>
    public static IChatClient GetChatClient(this StepContext context, string? provider = null, DurableChatClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new DurableChatClient(AIStepRuntime.Resolver(context).Resolve(provider), context, options);
    }

    /// <summary>Sends a prompt and returns the reply's text (journaled: a re-run of the step gets the same text
    /// without calling the model).</summary>
    /// <param name="context">The step's context.</param>
    /// <param name="prompt">The prompt.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">A token to cancel the call, in addition to the step's.</param>
    /// <returns>The reply's text.</returns>
    public static async Task<string> PromptAsync(this StepContext context, string prompt, PromptOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(prompt);
        options ??= new PromptOptions();
        var client = AIStepRuntime.Client(context, options.Provider);
        var response = await AIStepRuntime.CallAsync(
            client, AIStepRuntime.Conversation(options.Instructions, prompt), options.ChatOptions?.Clone(), options.Stream, cancellationToken).ConfigureAwait(false);
        return response.Text;
    }

    /// <summary>Asks for a <typeparamref name="T"/> as JSON, validates the reply against <typeparamref name="T"/>'s
    /// JSON schema (required properties, types, enums, ranges, unknown properties), and sends any violation's JSONPath
    /// and rule back to the model to be repaired, up to <see cref="ExtractOptions.MaxRepairAttempts"/> times.</summary>
    /// <typeparam name="T">The type to extract; its JSON schema is derived from it (data annotations such as
    /// <c>[Range]</c> and <c>[Description]</c> included).</typeparam>
    /// <param name="context">The step's context.</param>
    /// <param name="prompt">The prompt: what to extract, from what.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">A token to cancel the calls, in addition to the step's.</param>
    /// <returns>The value.</returns>
    /// <exception cref="StructuredOutputException">The reply still broke the schema after the last repair.</exception>
    public static Task<T> ExtractAsync<T>(this StepContext context, string prompt, ExtractOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(prompt);
        options ??= new ExtractOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRepairAttempts, nameof(options));
        return StructuredOutputRunner.RunAsync<T>(context, prompt, options, cancellationToken);
    }

    /// <summary>Runs an agent: the model works on <paramref name="task"/>, calling the options' tools, turn after turn,
    /// until it gives a final answer. Each model call and each tool result is journaled, so a re-run of the step
    /// resumes at the turn it was in; tools marked with <see cref="ApprovalRequiredAIFunction"/> wait for a person.</summary>
    /// <param name="context">The step's context.</param>
    /// <param name="task">The task, sent as the user's message.</param>
    /// <param name="options">The instructions, tools and limits.</param>
    /// <param name="cancellationToken">A token to cancel the run, in addition to the step's.</param>
    /// <returns>The final answer and the transcript.</returns>
    /// <exception cref="AgentLimitExceededException">The turn limit or token budget was reached first.</exception>
    public static Task<AgentResult> RunAgentAsync(this StepContext context, string task, AgentOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxTurns, 1, nameof(options));
        return AgentRunner.RunAsync(context, task, options, cancellationToken);
    }
}
