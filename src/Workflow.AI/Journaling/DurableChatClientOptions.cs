namespace Workflow.AI;

/// <summary>Options of a <see cref="DurableChatClient"/>.</summary>
public sealed class DurableChatClientOptions
{
    /// <summary>The default <see cref="KeyPrefix"/>.</summary>
    public const string DefaultKeyPrefix = "chat";

    /// <summary>Gets or sets the prefix of the journal keys and call ids of the client's calls: the calls of a step are
    /// <c>{prefix}-1</c>, <c>{prefix}-2</c>... in the order they are made. Clients of one step that share a prefix
    /// share that sequence, so their calls must not overlap; give clients that call at the same time distinct prefixes.</summary>
    /// <value>The default value is <c>chat</c>.</value>
    public string KeyPrefix { get; set; } = DefaultKeyPrefix;

    /// <summary>Gets or sets a value indicating whether a streamed reply must end with a finish reason. A stream that
    /// ends without one was cut (some servers close the connection cleanly when they fail mid-stream), and journaling
    /// it would keep a truncated reply forever: the call fails with <see cref="ChatStreamIncompleteException"/> instead,
    /// and the step's retry policy calls the model again.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RequireFinishReason { get; set; } = true;

    internal DurableChatClientOptions Clone() => new() { KeyPrefix = KeyPrefix, RequireFinishReason = RequireFinishReason };
}
