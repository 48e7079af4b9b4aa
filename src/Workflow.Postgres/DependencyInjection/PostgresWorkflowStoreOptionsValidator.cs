using Microsoft.Extensions.Options;
using Workflow.Postgres.Storage;

namespace Workflow.Postgres.DependencyInjection;

/// <summary>Validates the store's options when the host starts, with the messages the store's constructor gives.</summary>
internal sealed class PostgresWorkflowStoreOptionsValidator : IValidateOptions<PostgresWorkflowStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgresWorkflowStoreOptions options)
    {
        var failures = options.Validate();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
