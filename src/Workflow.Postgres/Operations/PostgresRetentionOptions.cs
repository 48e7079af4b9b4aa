namespace Workflow.Postgres.Operations;

/// <summary>How the retention service purges ended instances.</summary>
public sealed class PostgresRetentionOptions
{
    /// <summary>Gets or sets how long an ended instance is kept after it ended.</summary>
    /// <value>The default value is 30 days; it must be positive.</value>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Gets or sets the time between two purges; the first runs when the host starts.</summary>
    /// <value>The default value is 1 hour; it must be between 1 second and 1 day.</value>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets what each purge removes and how: workflow filter, batch size and archiving.</summary>
    public InstancePurgeOptions Purge { get; } = new();

    internal List<string> Validate()
    {
        var failures = new List<string>();
        if (Retention <= TimeSpan.Zero)
        {
            failures.Add($"{nameof(Retention)} is {Retention}; it must be positive.");
        }

        if (Interval < TimeSpan.FromSeconds(1) || Interval > TimeSpan.FromDays(1))
        {
            failures.Add($"{nameof(Interval)} is {Interval}; it must be between 1 second and 1 day.");
        }

        try
        {
            Purge.Validate(nameof(Purge));
        }
        catch (ArgumentException ex)
        {
            failures.Add($"{nameof(Purge)}: {ex.Message}");
        }

        return failures;
    }
}
