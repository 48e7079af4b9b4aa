namespace Workflow.Client;

/// <summary>The outcome of <see cref="WorkflowClientExtensions.MigrateAllAsync"/>.</summary>
public sealed class WorkflowMigrationResult
{
    internal WorkflowMigrationResult(IReadOnlyList<string> migrated, IReadOnlyList<string> incompatible)
    {
        Migrated = migrated;
        Incompatible = incompatible;
    }

    /// <summary>Gets the ids of the instances that moved.</summary>
    public IReadOnlyList<string> Migrated { get; }

    /// <summary>Gets the ids of the instances that could not move and keep running on their version.</summary>
    public IReadOnlyList<string> Incompatible { get; }
}
