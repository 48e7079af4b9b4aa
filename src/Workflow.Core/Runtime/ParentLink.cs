namespace Workflow.Runtime;

/// <summary>The parent of a sub-workflow instance: the parent's id and the path of its sub-workflow node.</summary>
internal sealed record ParentLink(string InstanceId, string StepPath);
