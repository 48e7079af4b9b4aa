using Microsoft.Extensions.AI;

namespace Workflow.AI;

/// <summary>Options of an agent step: a model that calls tools, turn after turn, until it gives a final answer.</summary>
public sealed class AgentOptions : AIStepOptions
{
    /// <summary>The default <see cref="MaxTurns"/>.</summary>
    public const int DefaultMaxTurns = 10;

    /// <summary>Initializes options with the defaults.</summary>
    public AgentOptions()
    {
    }

    private AgentOptions(AgentOptions other)
        : base(other)
    {
        Tools = [.. other.Tools];
        ToolSource = other.ToolSource;
        MaxTurns = other.MaxTurns;
        TokenBudget = other.TokenBudget;
        IncludeDetailedErrors = other.IncludeDetailedErrors;
    }

    /// <summary>Gets or sets the tools the model may call: <see cref="AIFunction"/>s, for example from
    /// <see cref="AIFunctionFactory.Create(Delegate, string?, string?, System.Text.Json.JsonSerializerOptions?)"/> or an
    /// MCP client. Wrap a tool in <see cref="ApprovalRequiredAIFunction"/> to have a person approve each call of it
    /// first. Each call's result is journaled, so a tool is not called again for a call that completed; a tool reads
    /// its idempotency key from <see cref="ToolCallContext.Current"/>.</summary>
    /// <value>The default value is an empty list.</value>
    public IList<AITool> Tools { get; set; } = [];

    /// <summary>Gets or sets a source of further tools, asked each time the step runs (before its first model call),
    /// for tools that only exist once the host runs: those of an MCP server, say, listed through the step's
    /// <see cref="Workflow.Steps.StepContext.Services"/>. Its tools are offered after <see cref="Tools"/>; a name
    /// already taken there keeps the first tool.</summary>
    /// <value>The default value is <see langword="null"/>: only <see cref="Tools"/>.</value>
    /// <remarks>The tools it returns are looked up by name when a journaled call replays, so give a tool the same name
    /// on every run. An exception it throws fails the step's attempt like any step error (and is retried per the
    /// step's policy).</remarks>
    public Func<Workflow.Steps.StepContext, CancellationToken, ValueTask<IEnumerable<AITool>>>? ToolSource { get; set; }

    /// <summary>Gets or sets the most model calls (turns) the agent may make; when the last allowed call still asks for
    /// tools, the step fails with <see cref="AIErrorTypes.AgentTurnLimitExceeded"/>.</summary>
    /// <value>The default value is 10.</value>
    public int MaxTurns { get; set; } = DefaultMaxTurns;

    /// <summary>Gets or sets the most tokens (input plus output, as providers report them) the agent may use: once used,
    /// no further model call is made, and unless the last reply was the final answer the step fails with
    /// <see cref="AIErrorTypes.AgentTokenBudgetExceeded"/>. A provider that reports no usage counts as zero.</summary>
    /// <value>The default value is <see langword="null"/>: no budget.</value>
    public long? TokenBudget { get; set; }

    /// <summary>Gets or sets a value indicating whether the message of an exception a tool throws is shown to the
    /// model. When <see langword="false"/>, the model only learns that the tool failed and the exception's type, as
    /// exception messages can hold secrets. Unknown tools and arguments that do not fit a tool's schema are always
    /// explained in full.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool IncludeDetailedErrors { get; set; }

    /// <summary>Creates a copy of these options.</summary>
    /// <returns>The copy.</returns>
    public AgentOptions Clone() => new(this);
}
