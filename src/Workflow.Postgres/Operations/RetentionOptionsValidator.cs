using Microsoft.Extensions.Options;

namespace Workflow.Postgres.Operations;

/// <summary>Validates <see cref="PostgresRetentionOptions"/> when the host starts.</summary>
internal sealed class RetentionOptionsValidator : IValidateOptions<PostgresRetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgresRetentionOptions options)
    {
        var failures = options.Validate();
        return failures.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("The PostgreSQL retention options are invalid: " + string.Join(" ", failures));
    }
}
