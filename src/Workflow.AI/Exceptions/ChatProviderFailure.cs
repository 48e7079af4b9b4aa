namespace Workflow.AI;

/// <summary>Why one provider of a failover chain did not answer.</summary>
/// <param name="Provider">The provider's name.</param>
/// <param name="Reason">What went wrong, for example <c>HTTP 429</c> or <c>timed out after 00:01:40</c>.</param>
/// <param name="StatusCode">The HTTP status the provider answered with, if it answered.</param>
public sealed record ChatProviderFailure(string Provider, string Reason, int? StatusCode);
