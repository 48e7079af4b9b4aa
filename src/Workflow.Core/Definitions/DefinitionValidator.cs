using System.Text.Json;
using Workflow.Definitions.Nodes;
using Workflow.Serialization;

namespace Workflow.Definitions;

internal static class DefinitionValidator
{
    private const int MaxNameLength = 100;

    public static IReadOnlyList<string> Validate(WorkflowDefinition definition, JsonSerializerOptions? serializerOptions)
    {
        var problems = new List<string>();
        if (NameProblem(definition.Name) is { } workflowNameProblem)
        {
            problems.Add($"The workflow name '{definition.Name}' {workflowNameProblem}.");
        }

        if (definition.Version < 1)
        {
            problems.Add($"The workflow version is {definition.Version}; versions start at 1.");
        }

        if (definition.Root.Nodes.Count == 0)
        {
            problems.Add("The workflow has no steps; add at least one with Then().");
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var eventTypes = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var node in DefinitionWalker.Nodes(definition.Root))
        {
            seen[node.Name] = seen.GetValueOrDefault(node.Name) + 1;
            if (NameProblem(node.Name) is { } nameProblem)
            {
                problems.Add($"The {Describe(node)} name '{node.Name}' {nameProblem}.");
            }

            switch (node)
            {
                case StepNode step when IsTask(step.OutputType):
                    problems.Add($"Step '{step.Name}' returns a {step.OutputType.Name} from a synchronous delegate; use the asynchronous Then overload (input, context, cancellationToken) so the task is awaited.");
                    break;
                case LoopNode { MaxIterations: < 1 } loop:
                    problems.Add($"Loop '{loop.Name}' has no maximum: maxIterations is {loop.MaxIterations}; give it a limit of at least 1.");
                    break;
                case ForEachNode { MaxParallelism: < 1 } forEach:
                    problems.Add($"For-each '{forEach.Name}' has maxParallelism {forEach.MaxParallelism}; it must be at least 1.");
                    break;
                case BranchNode { IsSwitch: true } branch:
                    ValidateSwitch(branch, problems);
                    break;
                case WaitNode wait:
                    ValidateWait(wait, eventTypes, problems);
                    break;
                case ApprovalNode { Timeout: { } approvalTimeout } approval when approvalTimeout <= TimeSpan.Zero:
                    problems.Add($"Approval '{approval.Name}' has the timeout {approvalTimeout}; a timeout must be positive (or null to wait forever).");
                    break;
                case DelayNode { Duration: { } duration } delay when duration < TimeSpan.Zero:
                    problems.Add($"Delay '{delay.Name}' has a negative duration ({duration}); use zero or more.");
                    break;
            }

            if (node is LoopNode { Body.Nodes.Count: 0 } emptyLoop)
            {
                problems.Add($"Loop '{emptyLoop.Name}' has an empty body; add at least one step to it.");
            }
        }

        ValidateContinueAsNew(definition.Root, problems);

        foreach (var (name, count) in seen)
        {
            if (count > 1)
            {
                problems.Add($"The name '{name}' is used by {count} steps or blocks; names must be unique in a workflow because step paths and journal entries refer to them.");
            }
        }

        var options = serializerOptions ?? WorkflowJson.DefaultOptions;
        var checker = new JsonRoundTripChecker(options, problems);
        checker.Check(definition.InputType, "The workflow input");
        foreach (var step in DefinitionWalker.Nodes(definition.Root).OfType<StepNode>())
        {
            if (!IsTask(step.OutputType))
            {
                checker.Check(step.OutputType, $"The output of step '{step.Name}'");
            }
        }

        foreach (var approval in DefinitionWalker.Nodes(definition.Root).OfType<ApprovalNode>())
        {
            checker.Check(approval.RequestType, $"The request of approval '{approval.Name}'");
        }

        foreach (var (eventName, payloadType) in eventTypes)
        {
            checker.Check(payloadType, $"The payload of event '{eventName}'");
        }

        checker.Check(definition.OutputType, "The workflow output");
        return problems;
    }

    /// <summary>Continue-as-new replaces the whole journal, so only a top-level loop can do it, and nothing whose undo
    /// lives in the journal (a compensation at or before the loop) may precede it.</summary>
    private static void ValidateContinueAsNew(FlowBlock root, List<string> problems)
    {
        foreach (var loop in DefinitionWalker.Nodes(root).OfType<LoopNode>())
        {
            if (loop.ContinueAsNewEvery < 0)
            {
                problems.Add($"Loop '{loop.Name}' has continueAsNewEvery {loop.ContinueAsNewEvery}; use 0 (never) or a positive number of iterations.");
            }
            else if (loop.ContinueAsNewEvery > 0 && !root.Nodes.Contains(loop))
            {
                problems.Add($"Loop '{loop.Name}' continues as new but is nested in another block; continuing as new restarts the instance's journal, so only a loop at the top level of the workflow can do it.");
            }
        }

        var before = new List<FlowNode>();
        foreach (var node in root.Nodes)
        {
            before.Add(node);
            if (node is not LoopNode { ContinueAsNewEvery: > 0 } loop)
            {
                continue;
            }

            foreach (var step in before.SelectMany(n => n.Children.SelectMany(DefinitionWalker.Nodes).Prepend(n)).OfType<StepNode>())
            {
                if (step.Compensation is not null)
                {
                    problems.Add($"Step '{step.Name}' declares a compensation but runs at or before loop '{loop.Name}', which continues as new; the journal its compensation needs would be gone. Move the compensation after the loop, or do not continue as new.");
                }
            }
        }
    }

    internal static string? NameProblem(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "is empty";
        }

        if (name.Length > MaxNameLength)
        {
            return $"is longer than {MaxNameLength} characters";
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.'))
            {
                return $"contains '{c}'; use only letters, digits, '-', '_' and '.'";
            }
        }

        return null;
    }

    private static void ValidateSwitch(BranchNode branch, List<string> problems)
    {
        if (branch.Arms.Count == 0)
        {
            problems.Add($"Switch '{branch.Name}' has no cases.");
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var arm in branch.Arms)
        {
            if (!keys.Add(arm.Key))
            {
                problems.Add($"Switch '{branch.Name}' has two cases with the key '{arm.Key}'; each case needs a distinct key.");
            }

            if (string.Equals(arm.Key, BranchNode.DefaultArmKey, StringComparison.Ordinal))
            {
                problems.Add($"Switch '{branch.Name}' has a case keyed '{BranchNode.DefaultArmKey}', which is reserved for the default arm.");
            }
        }
    }

    private static void ValidateWait(WaitNode wait, Dictionary<string, Type> eventTypes, List<string> problems)
    {
        if (wait.Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            problems.Add($"Wait '{wait.Name}' has the timeout {timeout}; a timeout must be positive (or null to wait forever).");
        }

        if (wait.Cases.Count == 0)
        {
            problems.Add($"Wait '{wait.Name}' accepts no event; add at least one with On().");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var waitCase in wait.Cases)
        {
            if (NameProblem(waitCase.EventName) is { } nameProblem)
            {
                problems.Add($"The event name '{waitCase.EventName}' of wait '{wait.Name}' {nameProblem}.");
            }

            if (!names.Add(waitCase.EventName))
            {
                problems.Add($"Wait '{wait.Name}' accepts the event '{waitCase.EventName}' twice.");
            }

            if (eventTypes.TryGetValue(waitCase.EventName, out var declared) && declared != waitCase.PayloadType)
            {
                problems.Add($"The event '{waitCase.EventName}' is awaited with the payload types {declared.Name} and {waitCase.PayloadType.Name}; an event has one payload type, which raising it is checked against.");
            }
            else
            {
                eventTypes[waitCase.EventName] = waitCase.PayloadType;
            }
        }
    }

    private static bool IsTask(Type type) =>
        typeof(Task).IsAssignableFrom(type)
        || type == typeof(ValueTask)
        || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>));

    private static string Describe(FlowNode node) => node switch
    {
        StepNode => "step",
        BranchNode { IsSwitch: true } => "switch",
        BranchNode => "branch",
        ParallelNode => "parallel block",
        ForEachNode => "for-each block",
        LoopNode => "loop",
        WaitNode => "wait",
        ApprovalNode => "approval",
        SubWorkflowNode => "sub-workflow",
        DelayNode => "delay",
        _ => "node",
    };
}
