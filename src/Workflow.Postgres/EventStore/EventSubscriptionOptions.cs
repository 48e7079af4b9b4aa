namespace Workflow.Postgres.EventStore;

/// <summary>Options of one subscription or projection, passed to <see cref="PostgresEventStore.SubscribeAsync"/> or
/// <see cref="PostgresEventStore.StartProjectionAsync"/>. They are copied when the subscription starts.</summary>
public sealed class EventSubscriptionOptions
{
    /// <summary>Gets or sets the most events read (and, for a projection, handled in one transaction) at a time.</summary>
    /// <value>The default value is 256.</value>
    public int BatchSize { get; set; } = 256;

    /// <summary>Gets or sets how often a caught-up subscription reads when nothing woke it, and how often a consumer
    /// that does not own the subscription tries to take it over: the guarantee behind notifications.</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long the owner's lease on the subscription lasts unless renewed. The owner renews it
    /// every third of this; when the owner dies, another consumer takes over once it expires (on the database clock).</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how many times the handler runs on one event before the subscription stops with an
    /// <see cref="EventSubscriptionFailedException"/>.</summary>
    /// <value>The default value is 5.</value>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Gets or sets the wait before the first retry of a failed event; it doubles with every further retry, up
    /// to <see cref="MaxRetryDelay"/>.</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest wait between two retries of a failed event.</summary>
    /// <value>The default value is 1 minute.</value>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets where a new subscription starts: it handles the events after this position. Ignored once the
    /// subscription exists (it resumes from its checkpoint; see <see cref="PostgresEventStore.ResetSubscriptionAsync"/>).</summary>
    /// <value>The default value is <see cref="EventStorePosition.Start"/>: every event.</value>
    public EventStorePosition StartPosition { get; set; } = EventStorePosition.Start;

    /// <summary>Gets or sets a name for this consumer, shown in logs and in the subscription's <c>owner</c> column
    /// (a unique suffix is added).</summary>
    /// <value>The default value is <see langword="null"/>: the machine name and process id.</value>
    public string? ConsumerName { get; set; }

    /// <summary>Returns a copy, which the running subscription keeps.</summary>
    internal EventSubscriptionOptions Copy() => (EventSubscriptionOptions)MemberwiseClone();

    /// <summary>Returns what is wrong with these options, or an empty list.</summary>
    internal List<string> Validate()
    {
        var failures = new List<string>();
        if (BatchSize is < 1 or > 10_000)
        {
            failures.Add($"{nameof(BatchSize)} is {BatchSize}; it must be between 1 and 10000.");
        }

        if (PollInterval <= TimeSpan.Zero || PollInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"{nameof(PollInterval)} is {PollInterval}; it must be positive and at most 1 hour.");
        }

        if (LeaseDuration < TimeSpan.FromSeconds(1) || LeaseDuration > TimeSpan.FromHours(1))
        {
            failures.Add($"{nameof(LeaseDuration)} is {LeaseDuration}; it must be between 1 second and 1 hour.");
        }

        if (MaxAttempts is < 1 or > 1000)
        {
            failures.Add($"{nameof(MaxAttempts)} is {MaxAttempts}; it must be between 1 and 1000.");
        }

        if (RetryDelay < TimeSpan.Zero || RetryDelay > TimeSpan.FromHours(1))
        {
            failures.Add($"{nameof(RetryDelay)} is {RetryDelay}; it must be between 0 and 1 hour.");
        }

        if (MaxRetryDelay < RetryDelay || MaxRetryDelay > TimeSpan.FromDays(1))
        {
            failures.Add($"{nameof(MaxRetryDelay)} is {MaxRetryDelay}; it must be at least {nameof(RetryDelay)} ({RetryDelay}) and at most 1 day.");
        }

        if (ConsumerName is { } consumer && (consumer.Length is 0 or > 200 || consumer.Contains('\0', StringComparison.Ordinal)))
        {
            failures.Add($"{nameof(ConsumerName)} must be 1 to 200 characters without NUL characters, or null.");
        }

        return failures;
    }
}
