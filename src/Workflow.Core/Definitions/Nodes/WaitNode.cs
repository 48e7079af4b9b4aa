namespace Workflow.Definitions.Nodes;

/// <summary>Waits durably for one of several named external events, optionally with a timeout. The event consumed
/// (or the timeout) is journaled, so a replay takes the same arm.</summary>
internal sealed class WaitNode(string name, Type inputType, Type outputType, IReadOnlyList<WaitCase> cases, TimeSpan? timeout, FlowBlock? onTimeout)
    : FlowNode(name, inputType, outputType)
{
    private string[]? _eventNames;

    public IReadOnlyList<WaitCase> Cases { get; } = cases;

    public TimeSpan? Timeout { get; } = timeout;

    /// <summary>Gets the arm taken on timeout, or <see langword="null"/> when a timeout fails the instance.</summary>
    public FlowBlock? OnTimeout { get; } = onTimeout;

    public IReadOnlyCollection<string> EventNames => _eventNames ??= [.. Cases.Select(static c => c.EventName)];

    public override IEnumerable<FlowBlock> Children =>
        OnTimeout is null ? Cases.Select(static c => c.Block) : Cases.Select(static c => c.Block).Append(OnTimeout);

    public WaitCase? FindCase(string eventName)
    {
        foreach (var candidate in Cases)
        {
            if (string.Equals(candidate.EventName, eventName, StringComparison.Ordinal))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>One event a wait accepts: its name, its payload type and the arm it continues with.</summary>
internal sealed record WaitCase(string EventName, Type PayloadType, FlowBlock Block);
