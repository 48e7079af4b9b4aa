namespace Workflow.AI;

/// <summary>Options of Workflow.AI, set with <c>AddAI(options => ...)</c>.</summary>
public sealed class WorkflowAIOptions
{
    /// <summary>Gets or sets the provider that steps use when they name none: the service key of an
    /// <c>IChatClient</c> registered as a keyed service, or the name of a failover chain.</summary>
    /// <value>The default value is <see langword="null"/>: the first provider added with <c>AddOpenAIProvider</c> or
    /// <c>AddOllamaProvider</c>, else the <c>IChatClient</c> registered without a key (<c>AddChatClient</c>).</value>
    public string? DefaultProvider { get; set; }

    /// <summary>Gets or sets how calls to each provider are retried, timed out and cut off by a circuit breaker.</summary>
    /// <value>The default value is a <see cref="ChatResilienceOptions"/> with its defaults.</value>
    public ChatResilienceOptions Resilience { get; set; } = new();

    /// <summary>Gets the failover chains: a chain's name, usable wherever a provider name is, maps to the providers
    /// tried in order. Add chains with <c>AddChatFailover</c>.</summary>
    public IDictionary<string, IList<string>> FailoverChains { get; } = new Dictionary<string, IList<string>>(StringComparer.Ordinal);

    /// <summary>Gets or sets a value indicating whether prompts, completions and tool arguments may appear in
    /// telemetry (the <c>gen_ai</c> spans' message attributes) and in Trace logs.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool EnableSensitiveData { get; set; }
}
