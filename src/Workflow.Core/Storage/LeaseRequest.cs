namespace Workflow.Storage;

/// <summary>Asks a commit to hand the work it schedules straight to a node, already leased.</summary>
/// <param name="OwnerId">The node that receives the lease.</param>
/// <param name="Duration">How long the lease lasts unless renewed.</param>
public readonly record struct LeaseRequest(string OwnerId, TimeSpan Duration);
