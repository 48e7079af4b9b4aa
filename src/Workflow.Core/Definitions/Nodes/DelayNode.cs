namespace Workflow.Definitions.Nodes;

/// <summary>A durable timer: the workflow goes on, with its input unchanged, once the due time has passed.</summary>
internal sealed class DelayNode(string name, Type type, TimeSpan? duration, Func<object?, DateTimeOffset>? until)
    : FlowNode(name, type, type)
{
    /// <summary>Gets the fixed duration, or <see langword="null"/> when <see cref="Until"/> computes the due time.</summary>
    public TimeSpan? Duration { get; } = duration;

    public Func<object?, DateTimeOffset>? Until { get; } = until;

    public DateTimeOffset DueAt(object? input, DateTimeOffset now) => Until is null ? now + Duration!.Value : Until(input);
}
