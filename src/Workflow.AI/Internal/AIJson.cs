using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Workflow.AI.Internal;

/// <summary>The JSON options of everything Workflow.AI writes itself (journal records, transcripts, tool arguments):
/// Microsoft.Extensions.AI's, which know its content types, so records do not depend on the host's serializer options.</summary>
internal static class AIJson
{
    public static JsonSerializerOptions Options => AIJsonUtilities.DefaultOptions;

    public static JsonElement ToElement<T>(T value) =>
        JsonSerializer.SerializeToElement(value, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T)));

    public static T? FromElement<T>(JsonElement element) =>
        element.Deserialize((System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T)));
}
