namespace Workflow.AI;

/// <summary>The circuit breaker of a chat provider (Polly's): it opens when, within <see cref="SamplingDuration"/>,
/// at least <see cref="MinimumThroughput"/> calls were made and at least <see cref="FailureRatio"/> of them failed;
/// while open, calls fail at once (and go to the next provider of a failover chain) for <see cref="BreakDuration"/>.</summary>
public sealed class ChatCircuitBreakerOptions
{
    /// <summary>Gets or sets the share of failed calls that opens the circuit.</summary>
    /// <value>The default value is 0.5.</value>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Gets or sets the fewest calls in the sampling window before the circuit can open.</summary>
    /// <value>The default value is 10.</value>
    public int MinimumThroughput { get; set; } = 10;

    /// <summary>Gets or sets the window over which failures are counted.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long the circuit stays open.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}
