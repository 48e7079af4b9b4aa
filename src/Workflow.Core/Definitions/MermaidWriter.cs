using System.Globalization;
using System.Text;
using Workflow.Definitions.Nodes;

namespace Workflow.Definitions;

/// <summary>Renders a definition as a Mermaid flowchart: steps as boxes, branches as diamonds, parallel and
/// for-each blocks as fork and join nodes, loops with an edge back to their body.</summary>
internal sealed class MermaidWriter
{
    private readonly StringBuilder _text = new();
    private int _nextId;

    private MermaidWriter()
    {
    }

    public static string Write(WorkflowDefinition definition)
    {
        var writer = new MermaidWriter();
        writer._text.Append("flowchart TD\n");
        writer.Line("start((\"start\"))");
        var exits = writer.Block(definition.Root, [new Exit("start", null)]);
        writer.Line("finish((\"end\"))");
        writer.Connect(exits, "finish");
        return writer._text.ToString();
    }

    private List<Exit> Block(FlowBlock block, List<Exit> entries)
    {
        var current = entries;
        foreach (var node in block.Nodes)
        {
            current = Node(node, current);
        }

        return current;
    }

    private List<Exit> Node(FlowNode node, List<Exit> entries) => node switch
    {
        StepNode step => Step(step, entries),
        BranchNode branch => Branch(branch, entries),
        ParallelNode parallel => Parallel(parallel, entries),
        ForEachNode forEach => ForEach(forEach, entries),
        LoopNode loop => Loop(loop, entries),
        WaitNode wait => Wait(wait, entries),
        DelayNode delay => Delay(delay, entries),
        ApprovalNode approval => Approval(approval, entries),
        SubWorkflowNode child => SubWorkflow(child, entries),
        _ => throw new InvalidOperationException($"Unknown node type {node.GetType().Name}."),
    };

    private List<Exit> Step(StepNode step, List<Exit> entries)
    {
        var id = NewId();
        Line($"{id}[\"{Escape(step.Name)}\"]");
        Connect(entries, id);
        return [new Exit(id, null)];
    }

    private List<Exit> Branch(BranchNode branch, List<Exit> entries)
    {
        var id = NewId();
        Line($"{id}{{\"{Escape(branch.Name)}\"}}");
        Connect(entries, id);
        var exits = new List<Exit>();
        var arms = branch.DefaultArm is null ? branch.Arms : [.. branch.Arms, branch.DefaultArm];
        foreach (var arm in arms)
        {
            var label = arm.Key == BranchNode.DefaultArmKey ? "default" : arm.Key;
            exits.AddRange(Block(arm.Block, [new Exit(id, label)]));
        }

        return exits;
    }

    private List<Exit> Parallel(ParallelNode parallel, List<Exit> entries)
    {
        var fork = NewId();
        var join = NewId();
        Line($"{fork}[/\"{Escape(parallel.Name)}: fork\"/]");
        Connect(entries, fork);
        var exits = new List<Exit>();
        foreach (var branch in parallel.Branches)
        {
            exits.AddRange(Block(branch, [new Exit(fork, null)]));
        }

        Line($"{join}[\\\"{Escape(parallel.Name)}: join\"\\]");
        Connect(exits, join);
        return [new Exit(join, null)];
    }

    private List<Exit> ForEach(ForEachNode forEach, List<Exit> entries)
    {
        var fork = NewId();
        var join = NewId();
        Line($"{fork}[/\"{Escape(forEach.Name)}: for each (max {forEach.MaxParallelism.ToString(CultureInfo.InvariantCulture)} at once)\"/]");
        Connect(entries, fork);
        var exits = Block(forEach.Body, [new Exit(fork, "each item")]);
        Line($"{join}[\\\"{Escape(forEach.Name)}: collect\"\\]");
        Connect(exits, join);
        return [new Exit(join, null)];
    }

    private List<Exit> Loop(LoopNode loop, List<Exit> entries)
    {
        var start = NewId();
        var check = NewId();
        Line($"{start}((\"{Escape(loop.Name)}\"))");
        Connect(entries, start);
        var exits = Block(loop.Body, [new Exit(start, null)]);
        Line($"{check}{{\"{Escape(loop.Name)}: done? (max {loop.MaxIterations.ToString(CultureInfo.InvariantCulture)})\"}}");
        Connect(exits, check);
        Line($"{check} -->|no| {start}");
        return [new Exit(check, "yes")];
    }

    private List<Exit> Wait(WaitNode wait, List<Exit> entries)
    {
        var id = NewId();
        var timeout = wait.Timeout is { } t ? $" (timeout {t})" : string.Empty;
        Line($"{id}([\"{Escape(wait.Name)}: wait{Escape(timeout)}\"])");
        Connect(entries, id);
        var exits = new List<Exit>();
        foreach (var waitCase in wait.Cases)
        {
            exits.AddRange(Block(waitCase.Block, [new Exit(id, waitCase.EventName)]));
        }

        if (wait.OnTimeout is not null)
        {
            exits.AddRange(Block(wait.OnTimeout, [new Exit(id, "timeout")]));
        }

        return exits;
    }

    private List<Exit> Approval(ApprovalNode approval, List<Exit> entries)
    {
        var id = NewId();
        Line($"{id}{{{{\"{Escape(approval.Name)}: approval\"}}}}");
        Connect(entries, id);
        List<Exit> exits = [new Exit(id, "answered")];
        if (approval.OnTimeout is not null)
        {
            exits.AddRange(Block(approval.OnTimeout, [new Exit(id, "timeout")]));
        }

        return exits;
    }

    private List<Exit> SubWorkflow(SubWorkflowNode child, List<Exit> entries)
    {
        var id = NewId();
        Line($"{id}[[\"{Escape(child.Name)}: {Escape(child.Child.Name)} v{child.Child.Version.ToString(CultureInfo.InvariantCulture)}\"]]");
        Connect(entries, id);
        return [new Exit(id, null)];
    }

    private List<Exit> Delay(DelayNode delay, List<Exit> entries)
    {
        var id = NewId();
        var what = delay.Duration is { } duration ? $"delay {duration}" : "delay until";
        Line($"{id}([\"{Escape(delay.Name)}: {what}\"])");
        Connect(entries, id);
        return [new Exit(id, null)];
    }

    private void Connect(List<Exit> from, string to)
    {
        foreach (var exit in from)
        {
            Line(exit.Label is null ? $"{exit.Id} --> {to}" : $"{exit.Id} -->|{Escape(exit.Label)}| {to}");
        }
    }

    private string NewId() => "n" + (_nextId++).ToString(CultureInfo.InvariantCulture);

    private void Line(string line) => _text.Append("    ").Append(line).Append('\n');

    private static string Escape(string text) => text.Replace("\"", "#quot;", StringComparison.Ordinal);

    private readonly record struct Exit(string Id, string? Label);
}
