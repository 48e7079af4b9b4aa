using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workflow.Serialization;

/// <summary>Source-generated metadata for the few types Workflow serializes itself.</summary>
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class WorkflowJsonContext : JsonSerializerContext;
