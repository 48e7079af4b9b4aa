namespace Workflow.AI;

/// <summary>The limit an agent reached.</summary>
public enum AgentLimit
{
    /// <summary>The turn limit: <see cref="AgentOptions.MaxTurns"/> model calls were made without a final answer.</summary>
    Turns,

    /// <summary>The token budget: <see cref="AgentOptions.TokenBudget"/> tokens were used without a final answer.</summary>
    TokenBudget,
}
