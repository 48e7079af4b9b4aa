using Workflow.Exceptions;

namespace Workflow.AI;

/// <summary>The model's reply did not match the JSON schema of the requested type, even after the model was shown
/// what was wrong and asked to repair it as many times as allowed.</summary>
public sealed class StructuredOutputException : WorkflowException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="targetType">The type the reply was to be read as.</param>
    /// <param name="violations">How the last reply breaks the schema.</param>
    /// <param name="lastReply">The last reply's text.</param>
    /// <param name="attempts">The replies asked for: the first plus the repairs.</param>
    public StructuredOutputException(Type targetType, IReadOnlyList<SchemaViolation> violations, string lastReply, int attempts)
        : base(Describe(targetType, violations, attempts))
    {
        ArgumentNullException.ThrowIfNull(targetType);
        ArgumentNullException.ThrowIfNull(violations);
        ArgumentNullException.ThrowIfNull(lastReply);
        TargetType = targetType;
        Violations = violations;
        LastReply = lastReply;
        Attempts = attempts;
    }

    /// <summary>Gets the type the reply was to be read as.</summary>
    public Type TargetType { get; }

    /// <summary>Gets how the last reply breaks the schema.</summary>
    public IReadOnlyList<SchemaViolation> Violations { get; }

    /// <summary>Gets the last reply's text.</summary>
    public string LastReply { get; }

    /// <summary>Gets the replies asked for: the first plus the repairs.</summary>
    public int Attempts { get; }

    // The message names where and which rule only: the values (what the model wrote) stay in Violations and the
    // failure's details, out of logs that record messages.
    private static string Describe(Type? targetType, IReadOnlyList<SchemaViolation>? violations, int attempts) =>
        $"The model's reply does not match the JSON schema of {targetType?.Name} after {attempts} attempt(s), at "
        + string.Join(", ", violations?.Select(v => $"{v.Path} (rule: {v.Keyword})") ?? [])
        + ". Make the prompt or instructions clearer about these fields, use a more capable model, or allow more repairs (ExtractOptions.MaxRepairAttempts).";
}
