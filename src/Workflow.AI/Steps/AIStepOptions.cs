using Microsoft.Extensions.AI;

namespace Workflow.AI;

/// <summary>What the prompt, extract and agent steps have in common: which provider they call, with which
/// instructions and chat options, and whether they stream to watchers.</summary>
/// <remarks>A step takes a copy of its options when it is added to a workflow; changing them afterwards has no effect.</remarks>
public abstract class AIStepOptions
{
    private protected AIStepOptions()
    {
    }

    private protected AIStepOptions(AIStepOptions other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Provider = other.Provider;
        Instructions = other.Instructions;
        ChatOptions = other.ChatOptions?.Clone();
        Stream = other.Stream;
    }

    /// <summary>Gets or sets the provider to call: the service key of a registered <see cref="IChatClient"/>, or the
    /// name of a failover chain.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="WorkflowAIOptions.DefaultProvider"/>.</value>
    public string? Provider { get; set; }

    /// <summary>Gets or sets the system instructions, sent before the prompt as a system message.</summary>
    /// <value>The default value is <see langword="null"/>: none.</value>
    public string? Instructions { get; set; }

    /// <summary>Gets or sets the chat options of each model call (model id, temperature, maximum output tokens...).
    /// Each call gets a copy; steps set the tools and the response format themselves.</summary>
    /// <value>The default value is <see langword="null"/>: the provider's defaults.</value>
    public ChatOptions? ChatOptions { get; set; }

    /// <summary>Gets or sets a value indicating whether model calls are streamed, so the instance's watchers receive
    /// each token delta as it arrives (a <c>StepProgressUpdate</c> whose <c>CallId</c> names the call and whose
    /// <c>Data</c> is the <see cref="ChatResponseUpdate"/>). The journaled result is the same either way.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool Stream { get; set; }
}
