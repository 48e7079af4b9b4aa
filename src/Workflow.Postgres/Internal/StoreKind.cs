namespace Workflow.Postgres.Internal;

/// <summary>Which public store an operation runs for: error messages name its type and options, so that the advice
/// they give (which method to call, which option to set) fits the store the caller uses.</summary>
/// <param name="DisplayName">The store as a sentence names it, for example "PostgreSQL workflow store".</param>
/// <param name="TypeName">The public type, for example <c>PostgresWorkflowStore</c>.</param>
/// <param name="OptionsTypeName">The public options type, for example <c>PostgresWorkflowStoreOptions</c>.</param>
/// <param name="RetryAdvice">What happens to a failed operation, ending a sentence that starts with "Nothing was lost: ".</param>
internal sealed record StoreKind(string DisplayName, string TypeName, string OptionsTypeName, string RetryAdvice)
{
    public static StoreKind Workflow { get; } = new(
        "PostgreSQL workflow store", "PostgresWorkflowStore", "PostgresWorkflowStoreOptions", "the runtime keeps retrying");

    public static StoreKind Events { get; } = new(
        "PostgreSQL event store", "PostgresEventStore", "PostgresEventStoreOptions", "retrying an append with the same event ids never writes them twice");
}
