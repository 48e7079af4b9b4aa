namespace Workflow.AI;

/// <summary>Tokens that model calls used, as the providers reported them.</summary>
/// <param name="InputTokens">The input (prompt) tokens.</param>
/// <param name="OutputTokens">The output (completion) tokens.</param>
/// <param name="TotalTokens">The total tokens: the provider's total when it reports one, else input plus output.</param>
/// <param name="ModelCalls">The model calls counted.</param>
public sealed record TokenUsage(long InputTokens, long OutputTokens, long TotalTokens, int ModelCalls)
{
    /// <summary>Gets usage of nothing.</summary>
    public static TokenUsage None { get; } = new(0, 0, 0, 0);

    /// <summary>Adds two usages.</summary>
    /// <param name="left">The first usage.</param>
    /// <param name="right">The second usage.</param>
    /// <returns>The sum.</returns>
    public static TokenUsage operator +(TokenUsage left, TokenUsage right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new TokenUsage(
            left.InputTokens + right.InputTokens,
            left.OutputTokens + right.OutputTokens,
            left.TotalTokens + right.TotalTokens,
            left.ModelCalls + right.ModelCalls);
    }

    /// <summary>Adds two usages.</summary>
    /// <param name="other">The usage to add.</param>
    /// <returns>The sum.</returns>
    public TokenUsage Add(TokenUsage other) => this + other;
}
