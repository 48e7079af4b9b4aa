namespace Workflow.Postgres.Tests.Infrastructure;

/// <summary>
/// Tests that start processes or servers of their own, or that depend on short leases in real time: they run one at a
/// time, after the parallel tests, so that no other test competes with them for the two cores.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessCollection
{
    public const string Name = "processes and private servers";
}
