using Workflow.Definitions.Nodes;

namespace Workflow.Definitions;

/// <summary>
/// Compares two versions of a workflow: whether an instance in flight on one can move to the other. An instance can
/// move when everything it has done so far is done the same way in the new version: steps added after its current
/// point are fine; steps it completed that are removed, renamed, retyped or reordered are not.
/// </summary>
public static class WorkflowCompatibility
{
    /// <summary>Compares <paramref name="from"/> with <paramref name="to"/>, step by step.</summary>
    /// <param name="from">The version instances run now.</param>
    /// <param name="to">The version to move them to.</param>
    /// <returns>For each node of <paramref name="from"/>, in graph order, whether an instance that got that far can move.</returns>
    /// <exception cref="ArgumentException">The two definitions have different names or input types.</exception>
    public static WorkflowCompatibilityReport Check(WorkflowDefinition from, WorkflowDefinition to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (!string.Equals(from.Name, to.Name, StringComparison.Ordinal) || from.InputType != to.InputType)
        {
            throw new ArgumentException($"Only versions of one workflow with one input type can be compared; got '{from}' ({from.InputType.Name}) and '{to}' ({to.InputType.Name}).", nameof(to));
        }

        var before = Flatten(from.Root);
        var after = Flatten(to.Root);
        var steps = new List<StepCompatibility>(before.Count);
        string? broken = null;
        for (var i = 0; i < before.Count; i++)
        {
            if (broken is null)
            {
                if (i >= after.Count)
                {
                    broken = $"'{before[i].Name}' and what follows it are removed in version {to.Version}";
                }
                else if (before[i] != after[i])
                {
                    broken = after.Exists(a => a.Name == before[i].Name)
                        ? $"'{before[i].Name}' is moved or changed in version {to.Version} (now at the place of '{after[i].Name}')"
                        : $"'{before[i].Name}' is removed or renamed in version {to.Version}";
                }
            }

            steps.Add(new StepCompatibility(before[i].Name, broken is null, broken));
        }

        return new WorkflowCompatibilityReport(from, to, steps);
    }

    /// <summary>Every node in graph order, each with what makes it the same node: kind, name, output type and arms.</summary>
    private static List<NodeSignature> Flatten(FlowBlock root)
    {
        var nodes = new List<NodeSignature>();
        foreach (var node in DefinitionWalker.Nodes(root))
        {
            var arms = node switch
            {
                BranchNode branch => string.Join(",", branch.Arms.Select(static a => a.Key)),
                WaitNode wait => string.Join(",", wait.Cases.Select(static c => c.EventName + ":" + c.PayloadType.FullName)),
                _ => string.Empty,
            };
            nodes.Add(new NodeSignature(node.GetType().Name, node.Name, node.OutputType.FullName ?? node.OutputType.Name, arms));
        }

        return nodes;
    }

    private readonly record struct NodeSignature(string Kind, string Name, string OutputType, string Arms);
}
