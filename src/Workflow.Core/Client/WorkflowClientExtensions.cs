namespace Workflow.Client;

/// <summary>Operations over many instances, built on <see cref="IWorkflowClient"/>.</summary>
public static class WorkflowClientExtensions
{
    /// <summary>Moves every running instance of one version of a workflow to another version, where the compatibility
    /// check allows it; the others keep running on their version.</summary>
    /// <param name="client">The client.</param>
    /// <param name="workflowName">The workflow's name.</param>
    /// <param name="fromVersion">The version the instances run.</param>
    /// <param name="toVersion">The version to move them to.</param>
    /// <param name="cancellationToken">A token to cancel the operation; instances moved so far stay moved.</param>
    /// <returns>The instances moved and those that could not move.</returns>
    public static async Task<WorkflowMigrationResult> MigrateAllAsync(
        this IWorkflowClient client, string workflowName, int fromVersion, int toVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(workflowName);
        var migrated = new List<string>();
        var incompatible = new List<string>();
        var query = new WorkflowInstanceQuery { WorkflowName = workflowName, Status = WorkflowStatus.Running, PageSize = WorkflowInstanceQuery.MaxPageSize };
        do
        {
            var page = await client.QueryAsync(query, cancellationToken).ConfigureAwait(false);
            foreach (var instance in page.Instances.Where(i => i.WorkflowVersion == fromVersion))
            {
                (await client.MigrateAsync(instance.InstanceId, toVersion, cancellationToken).ConfigureAwait(false) ? migrated : incompatible).Add(instance.InstanceId);
            }

            query.ContinuationToken = page.ContinuationToken;
        }
        while (query.ContinuationToken is not null);

        return new WorkflowMigrationResult(migrated, incompatible);
    }
}
