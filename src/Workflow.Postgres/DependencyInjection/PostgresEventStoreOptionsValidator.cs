using Microsoft.Extensions.Options;
using Workflow.Postgres.EventStore;

namespace Workflow.Postgres.DependencyInjection;

/// <summary>Validates the event store's options when the host starts, with the messages the store's constructor gives.</summary>
internal sealed class PostgresEventStoreOptionsValidator : IValidateOptions<PostgresEventStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgresEventStoreOptions options)
    {
        var failures = options.Validate();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
