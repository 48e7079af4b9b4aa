using Microsoft.Extensions.Options;

namespace Workflow.AI.DependencyInjection;

internal sealed class WorkflowAIOptionsValidator : IValidateOptions<WorkflowAIOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkflowAIOptions options)
    {
        var problems = new List<string>();
        if (options.Resilience is null)
        {
            problems.Add("Resilience is null; set it to a ChatResilienceOptions (set MaxRetryAttempts to 0, AttemptTimeout and CircuitBreaker to null to turn resilience off).");
        }
        else
        {
            problems.AddRange(options.Resilience.Problems());
        }

        if (options.DefaultProvider is { Length: 0 })
        {
            problems.Add("DefaultProvider is empty; name a provider, or leave it null.");
        }

        foreach (var (chain, members) in options.FailoverChains)
        {
            if (string.IsNullOrEmpty(chain))
            {
                problems.Add("A failover chain has an empty name.");
            }

            if (members is null || members.Count == 0)
            {
                problems.Add($"The failover chain '{chain}' has no providers; list at least one.");
                continue;
            }

            foreach (var member in members)
            {
                if (string.IsNullOrEmpty(member))
                {
                    problems.Add($"The failover chain '{chain}' lists an empty provider name.");
                }
                else if (options.FailoverChains.ContainsKey(member))
                {
                    problems.Add($"The failover chain '{chain}' lists the chain '{member}'; list providers, not chains.");
                }
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems.Select(p => "Workflow.AI: " + p));
    }
}
