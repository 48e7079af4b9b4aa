using Workflow.Postgres.Schema;

namespace Workflow.Postgres.Internal;

/// <summary>The checks of the options every store on a schema shares (the workflow store's and the event store's), with
/// the same messages, so that a bad value never reaches the database.</summary>
internal static class StoreOptionsValidation
{
    /// <summary>Returns what is wrong with the shared options, or an empty list.</summary>
    public static List<string> Validate(string? schema, TimeSpan notificationDebounce, int maxRetryAttempts)
    {
        var failures = new List<string>();
        if (SchemaName.Validate(schema) is { } schemaProblem)
        {
            failures.Add($"Schema: {schemaProblem}");
        }

        if (notificationDebounce < TimeSpan.Zero || notificationDebounce > TimeSpan.FromSeconds(10))
        {
            failures.Add($"NotificationDebounce is {notificationDebounce}; it must be between 0 and 10 seconds.");
        }

        if (maxRetryAttempts is < 0 or > 100)
        {
            failures.Add($"MaxRetryAttempts is {maxRetryAttempts}; it must be between 0 and 100.");
        }

        return failures;
    }

    /// <summary>Adds a failure when <paramref name="value"/> is not positive or is longer than <paramref name="max"/>.</summary>
    public static void RequirePositive(List<string> failures, string name, TimeSpan value, TimeSpan max, string maxText)
    {
        if (value <= TimeSpan.Zero || value > max)
        {
            failures.Add($"{name} is {value}; it must be positive and at most {maxText}.");
        }
    }
}
