namespace Workflow.AI;

/// <summary>The error types (<c>WorkflowFailure.ErrorType</c>) with which the prompt, extract and agent steps fail
/// for good: a retry would replay the same journaled replies and fail the same way, so these failures are not retried.</summary>
public static class AIErrorTypes
{
    /// <summary>The model's reply did not match the output type's JSON schema after every repair attempt. The
    /// failure's details hold the violations and the last reply.</summary>
    public const string StructuredOutputInvalid = "Workflow.AI.StructuredOutputInvalid";

    /// <summary>An agent made as many model calls as its turn limit allows without a final answer. The failure's
    /// details hold the transcript so far.</summary>
    public const string AgentTurnLimitExceeded = "Workflow.AI.AgentTurnLimitExceeded";

    /// <summary>An agent used up its token budget without a final answer. The failure's details hold the transcript so far.</summary>
    public const string AgentTokenBudgetExceeded = "Workflow.AI.AgentTokenBudgetExceeded";
}
