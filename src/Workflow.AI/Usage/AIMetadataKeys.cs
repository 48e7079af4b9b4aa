namespace Workflow.AI;

/// <summary>The keys of the step metadata (<c>StepCompletedEvent.Metadata</c>) under which Workflow.AI records the
/// token usage of a step's model calls. Each value is a whole number as invariant text, summed over every model call
/// of the step, including calls answered from the journal after a retry or a restart (each was billed once).</summary>
public static class AIMetadataKeys
{
    /// <summary>The input tokens: <c>gen_ai.usage.input_tokens</c>.</summary>
    public const string InputTokens = "gen_ai.usage.input_tokens";

    /// <summary>The output tokens: <c>gen_ai.usage.output_tokens</c>.</summary>
    public const string OutputTokens = "gen_ai.usage.output_tokens";

    /// <summary>The total tokens: <c>gen_ai.usage.total_tokens</c>.</summary>
    public const string TotalTokens = "gen_ai.usage.total_tokens";

    /// <summary>The model calls: <c>workflow.ai.model_calls</c>.</summary>
    public const string ModelCalls = "workflow.ai.model_calls";
}
