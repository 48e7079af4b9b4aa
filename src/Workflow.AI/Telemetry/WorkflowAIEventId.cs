namespace Workflow.AI.Telemetry;

/// <summary>The ids of the log events Workflow.AI writes (5000-5099), in the category
/// <see cref="WorkflowAITelemetry.LoggerCategory"/>.</summary>
public static class WorkflowAIEventId
{
    /// <summary>A model call completed and its response was journaled.</summary>
    public const int ModelCallJournaled = 5000;

    /// <summary>A model call was answered from the journal instead of calling the model again.</summary>
    public const int ModelCallReplayed = 5001;

    /// <summary>A journaled model call was made for a different request than the step makes now (its prompt, tools or
    /// options changed since, or they depend on something that is not deterministic); the journaled response is used.</summary>
    public const int ModelCallRequestChanged = 5002;

    /// <summary>The stream of a model call was cut after it started; the model is called again for it, and watchers
    /// get a reset first.</summary>
    public const int ModelCallStreamRetried = 5003;

    /// <summary>A call to a chat provider failed and will be retried.</summary>
    public const int ProviderRetrying = 5010;

    /// <summary>A chat provider failed; the next provider of the failover chain is tried.</summary>
    public const int ProviderFailingOver = 5011;

    /// <summary>Every provider of a failover chain failed.</summary>
    public const int ProvidersUnavailable = 5012;

    /// <summary>A chat provider's circuit breaker opened: calls skip it until it closes.</summary>
    public const int CircuitOpened = 5013;

    /// <summary>A chat provider's circuit breaker closed again.</summary>
    public const int CircuitClosed = 5014;

    /// <summary>A tool call of an agent failed; the error was reported to the model.</summary>
    public const int ToolCallFailed = 5020;

    /// <summary>A person rejected a tool call of an agent; the rejection was reported to the model.</summary>
    public const int ToolCallRejected = 5021;

    /// <summary>An agent stopped at its turn limit or token budget.</summary>
    public const int AgentLimitReached = 5022;

    /// <summary>A structured-output reply did not match its schema; the model is asked to repair it.</summary>
    public const int StructuredOutputRepair = 5023;

    /// <summary>A model's reply, at Trace level, only with <c>WorkflowAIOptions.EnableSensitiveData</c>.</summary>
    public const int ModelReply = 5030;
}
