namespace Workflow.Definitions.Nodes;

/// <summary>Asks a person to approve something and waits durably for the answer, addressed by the node's step path.</summary>
internal sealed class ApprovalNode(string name, Type inputType, Type requestType, Func<object?, object?> request, TimeSpan? timeout, FlowBlock? onTimeout)
    : FlowNode(name, inputType, typeof(Client.ApprovalDecision))
{
    public Type RequestType { get; } = requestType;

    public Func<object?, object?> Request { get; } = request;

    public TimeSpan? Timeout { get; } = timeout;

    /// <summary>Gets the escalation arm taken on timeout, or <see langword="null"/> when a timeout fails the instance.</summary>
    public FlowBlock? OnTimeout { get; } = onTimeout;

    public override IEnumerable<FlowBlock> Children => OnTimeout is null ? [] : [OnTimeout];
}
