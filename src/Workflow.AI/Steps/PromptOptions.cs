namespace Workflow.AI;

/// <summary>Options of a prompt step: one model call whose reply text is the step's output.</summary>
public sealed class PromptOptions : AIStepOptions
{
    /// <summary>Initializes options with the defaults.</summary>
    public PromptOptions()
    {
    }

    private PromptOptions(PromptOptions other)
        : base(other)
    {
    }

    /// <summary>Creates a copy of these options.</summary>
    /// <returns>The copy.</returns>
    public PromptOptions Clone() => new(this);
}
