namespace Workflow.AI;

/// <summary>
/// How each call to a chat provider is retried, timed out and cut off by a circuit breaker: Polly strategies that run
/// on the host's <see cref="TimeProvider"/>, so tests drive backoff, <c>Retry-After</c> and timeouts with a fake clock.
/// </summary>
/// <remarks>
/// A call is retried when the provider is rate limited (429), fails (5xx, 408), times out, cannot be reached, or
/// answers with something that is not valid JSON. A <c>Retry-After</c> (or <c>retry-after-ms</c>) header is honoured
/// where the provider's client library exposes it (the OpenAI library does; OllamaSharp does not). Requests the
/// provider rejects as wrong (400, 401, 403, 404, 422) are never retried: they are the caller's error. The provider
/// libraries' own retries are turned off by the provider helpers so that these are the only ones.
/// </remarks>
public sealed class ChatResilienceOptions
{
    /// <summary>Gets or sets how many times a failed call is retried on the same provider before the next provider
    /// of the failover chain is tried (or the call fails).</summary>
    /// <value>The default value is 2. Zero turns retries off.</value>
    public int MaxRetryAttempts { get; set; } = 2;

    /// <summary>Gets or sets the delay before the first retry; it doubles for each further retry.</summary>
    /// <value>The default value is 2 seconds.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets the longest delay between retries that the backoff computes.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets a value indicating whether random jitter is added to the backoff delays, so that many
    /// callers do not retry at the same moment.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool UseJitter { get; set; } = true;

    /// <summary>Gets or sets the longest <c>Retry-After</c> that is waited for. When a provider asks for a longer wait,
    /// the call is not retried there: the next provider of the failover chain is tried at once.</summary>
    /// <value>The default value is 60 seconds.</value>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets the timeout of each attempt; for a streamed call, until its first update arrives.</summary>
    /// <value>The default value is 100 seconds. <see langword="null"/> turns the timeout off.</value>
    public TimeSpan? AttemptTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Gets or sets the circuit breaker of each provider: when too many calls fail, calls skip the provider
    /// (and go to the next of a failover chain) for a while.</summary>
    /// <value>The default value is a <see cref="ChatCircuitBreakerOptions"/> with its defaults. <see langword="null"/>
    /// turns the circuit breaker off.</value>
    public ChatCircuitBreakerOptions? CircuitBreaker { get; set; } = new();

    internal IEnumerable<string> Problems()
    {
        if (MaxRetryAttempts < 0)
        {
            yield return $"Resilience.MaxRetryAttempts is {MaxRetryAttempts}; use zero or more.";
        }

        if (RetryDelay < TimeSpan.Zero || MaxRetryDelay < TimeSpan.Zero || MaxRetryAfter < TimeSpan.Zero)
        {
            yield return "Resilience.RetryDelay, MaxRetryDelay and MaxRetryAfter must not be negative.";
        }

        if (AttemptTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            yield return $"Resilience.AttemptTimeout is {timeout}; use a positive timeout, or null for none.";
        }

        if (CircuitBreaker is { } breaker)
        {
            if (breaker.FailureRatio is <= 0 or > 1)
            {
                yield return $"Resilience.CircuitBreaker.FailureRatio is {breaker.FailureRatio}; use a value above 0 and at most 1.";
            }

            if (breaker.MinimumThroughput < 2)
            {
                yield return $"Resilience.CircuitBreaker.MinimumThroughput is {breaker.MinimumThroughput}; use at least 2.";
            }

            if (breaker.SamplingDuration < TimeSpan.FromMilliseconds(500) || breaker.BreakDuration < TimeSpan.FromMilliseconds(500))
            {
                yield return "Resilience.CircuitBreaker.SamplingDuration and BreakDuration must be at least 500 ms.";
            }
        }
    }
}
