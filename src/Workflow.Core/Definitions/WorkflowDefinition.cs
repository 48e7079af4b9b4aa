using System.Text.Json;
using Workflow.Definitions.Nodes;
using Workflow.Exceptions;

namespace Workflow.Definitions;

/// <summary>
/// A validated, immutable workflow graph with a name and a version. Build one with
/// <see cref="Create{TInput}(string, int)"/> and register it with <c>AddWorkflow</c>; an instance keeps the version
/// it started with.
/// </summary>
public abstract class WorkflowDefinition
{
    private IReadOnlyList<string>? _stepNames;
    private IReadOnlyDictionary<string, Type>? _eventTypes;
    private Dictionary<string, (StepNode Step, FlowNode[] Containers)>? _steps;

    private protected WorkflowDefinition(string name, int version, string? description, FlowBlock root, StepOptions? defaultStepOptions, TimeSpan? deadline)
    {
        Deadline = deadline;
        Name = name;
        Version = version;
        Description = description;
        Root = root;
        DefaultStepOptions = defaultStepOptions;
    }

    /// <summary>Gets the name of the workflow: letters, digits, '-', '_' and '.'.</summary>
    public string Name { get; }

    /// <summary>Gets the version of the workflow, from 1.</summary>
    public int Version { get; }

    /// <summary>Gets the description of the workflow, if any.</summary>
    public string? Description { get; }

    /// <summary>Gets how long an instance may take from its start before it fails with the error type
    /// <c>Workflow.DeadlineExceeded</c> (after compensating), or <see langword="null"/> for no deadline.</summary>
    public TimeSpan? Deadline { get; }

    /// <summary>Gets the input type of the workflow.</summary>
    public abstract Type InputType { get; }

    /// <summary>Gets the output type of the workflow.</summary>
    public abstract Type OutputType { get; }

    /// <summary>Gets the names of the steps, in the order they appear in the graph.</summary>
    public IReadOnlyList<string> StepNames => _stepNames ??= [.. DefinitionWalker.Nodes(Root).OfType<StepNode>().Select(static s => s.Name)];

    /// <summary>Gets the external events the workflow waits for, by name, with their payload types. Raising an
    /// event checks its payload against this type.</summary>
    public IReadOnlyDictionary<string, Type> EventTypes => _eventTypes ??= DefinitionWalker.Nodes(Root)
        .OfType<WaitNode>()
        .SelectMany(static w => w.Cases)
        .GroupBy(static c => c.EventName, StringComparer.Ordinal)
        .ToDictionary(static g => g.Key, static g => g.First().PayloadType, StringComparer.Ordinal);

    internal FlowBlock Root { get; }

    /// <summary>Finds a step by name with the containers (branches, parallel blocks, loops...) it is nested in.</summary>
    internal bool TryFindStep(string name, out StepNode step, out FlowNode[] containers)
    {
        var steps = _steps ??= IndexSteps(Root);
        if (steps.TryGetValue(name, out var found))
        {
            (step, containers) = found;
            return true;
        }

        (step, containers) = (null!, []);
        return false;
    }

    private static Dictionary<string, (StepNode, FlowNode[])> IndexSteps(FlowBlock root)
    {
        var index = new Dictionary<string, (StepNode, FlowNode[])>(StringComparer.Ordinal);
        void Visit(FlowBlock block, FlowNode[] containers)
        {
            foreach (var node in block.Nodes)
            {
                if (node is StepNode step)
                {
                    index.TryAdd(step.Name, (step, containers));
                }

                foreach (var child in node.Children)
                {
                    Visit(child, [.. containers, node]);
                }
            }
        }

        Visit(root, []);
        return index;
    }

    internal StepOptions? DefaultStepOptions { get; }

    /// <summary>Gets the options a step runs with: its own, or else the workflow's default.</summary>
    internal StepOptions? OptionsOf(Nodes.StepNode step) => step.Options ?? DefaultStepOptions;

    /// <summary>Starts building a workflow.</summary>
    /// <typeparam name="TInput">The input type of the workflow; System.Text.Json must round-trip it.</typeparam>
    /// <param name="name">The name of the workflow: letters, digits, '-', '_' and '.'.</param>
    /// <param name="version">The version, from 1. Register a new version when in-flight instances cannot follow a change.</param>
    /// <returns>The builder of the first step.</returns>
    public static WorkflowBuilder<TInput, TInput> Create<TInput>(string name, int version = 1)
    {
        ArgumentNullException.ThrowIfNull(name);
        var draft = new DefinitionDraft(name, version, typeof(TInput));
        return new WorkflowBuilder<TInput, TInput>(draft, draft.Root);
    }

    /// <summary>Renders the workflow as a Mermaid flowchart.</summary>
    /// <returns>The Mermaid source, starting with <c>flowchart TD</c>.</returns>
    public string ToMermaid() => MermaidWriter.Write(this);

    /// <inheritdoc />
    public override string ToString() => $"{Name} v{Version}";

    /// <summary>Finds every problem of the definition, checking serializability with the given options.</summary>
    internal IReadOnlyList<string> Validate(JsonSerializerOptions? serializerOptions) =>
        DefinitionValidator.Validate(this, serializerOptions);

    internal void ThrowIfInvalid(JsonSerializerOptions? serializerOptions)
    {
        var problems = Validate(serializerOptions);
        if (problems.Count > 0)
        {
            throw new WorkflowDefinitionException(Name, problems);
        }
    }
}

/// <summary>A validated workflow that takes a <typeparamref name="TInput"/> and produces a <typeparamref name="TOutput"/>.</summary>
/// <typeparam name="TInput">The input type.</typeparam>
/// <typeparam name="TOutput">The output type.</typeparam>
public sealed class WorkflowDefinition<TInput, TOutput> : WorkflowDefinition
{
    internal WorkflowDefinition(string name, int version, string? description, FlowBlock root, StepOptions? defaultStepOptions, TimeSpan? deadline)
        : base(name, version, description, root, defaultStepOptions, deadline)
    {
    }

    /// <inheritdoc />
    public override Type InputType => typeof(TInput);

    /// <inheritdoc />
    public override Type OutputType => typeof(TOutput);
}
