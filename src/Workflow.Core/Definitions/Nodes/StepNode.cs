using Workflow.Steps;

namespace Workflow.Definitions.Nodes;

internal delegate ValueTask<object?> StepInvoker(object? input, StepContext context, CancellationToken cancellationToken);

/// <summary>A step: user code whose output is journaled.</summary>
internal sealed class StepNode(string name, Type inputType, Type outputType, StepInvoker invoker, StepOptions? options, Type? stepClass, StepInvoker? compensation = null)
    : FlowNode(name, inputType, outputType)
{
    public StepInvoker Invoker { get; } = invoker;

    /// <summary>Gets the compensation, which undoes the step given its output, or <see langword="null"/>.</summary>
    public StepInvoker? Compensation { get; } = compensation;

    public StepOptions? Options { get; } = options;

    /// <summary>Gets the step class for steps resolved from DI, or <see langword="null"/> for delegates.</summary>
    public Type? StepClass { get; } = stepClass;
}
