using Workflow.Definitions.Nodes;

namespace Workflow.Definitions;

/// <summary>The state shared by all builders of one definition while it is being built.</summary>
internal sealed class DefinitionDraft(string name, int version, Type inputType)
{
    public string Name { get; } = name;

    public int Version { get; } = version;

    public string? Description { get; set; }

    public StepOptions? DefaultStepOptions { get; set; }

    public TimeSpan? Deadline { get; set; }

    public FlowBlock Root { get; } = new(inputType);

    public bool Built { get; set; }
}
