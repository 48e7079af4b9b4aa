using Microsoft.Extensions.Options;

namespace Workflow.Runtime;

internal sealed class WorkflowOptionsValidator : IValidateOptions<WorkflowOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkflowOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.NodeId) || options.NodeId.Length > 200)
        {
            failures.Add($"{nameof(WorkflowOptions.NodeId)} must be a non-empty string of at most 200 characters.");
        }

        if (options.MaxConcurrentInstances < 1)
        {
            failures.Add($"{nameof(WorkflowOptions.MaxConcurrentInstances)} is {options.MaxConcurrentInstances}; it must be at least 1.");
        }

        if (options.QueueCapacity < 1)
        {
            failures.Add($"{nameof(WorkflowOptions.QueueCapacity)} is {options.QueueCapacity}; it must be at least 1.");
        }

        if (options.ClaimBatchSize < 1)
        {
            failures.Add($"{nameof(WorkflowOptions.ClaimBatchSize)} is {options.ClaimBatchSize}; it must be at least 1.");
        }

        if (options.LeaseDuration < TimeSpan.FromMilliseconds(100))
        {
            failures.Add($"{nameof(WorkflowOptions.LeaseDuration)} is {options.LeaseDuration}; it must be at least 100 ms.");
        }

        if (options.PollInterval <= TimeSpan.Zero)
        {
            failures.Add($"{nameof(WorkflowOptions.PollInterval)} is {options.PollInterval}; it must be positive.");
        }

        if (options.BlockedInstanceRetryDelay < TimeSpan.Zero)
        {
            failures.Add($"{nameof(WorkflowOptions.BlockedInstanceRetryDelay)} is {options.BlockedInstanceRetryDelay}; it must not be negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
