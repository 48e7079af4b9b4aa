namespace Workflow.AI;

/// <summary>One way a JSON value breaks its JSON schema.</summary>
/// <param name="Path">Where, as a JSONPath: <c>$</c> for the value itself, <c>$.order.lines[2].quantity</c> below it.</param>
/// <param name="Keyword">The schema rule broken: <c>required</c>, <c>type</c>, <c>enum</c>, <c>minimum</c>,
/// <c>additionalProperties</c>..., or <c>json</c> when the text is not JSON at all.</param>
/// <param name="Message">What is wrong, in words a model (and a person) can act on.</param>
public sealed record SchemaViolation(string Path, string Keyword, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Message} (rule: {Keyword})";
}
