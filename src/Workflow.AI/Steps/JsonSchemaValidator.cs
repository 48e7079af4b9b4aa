using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Json.Schema;
using Microsoft.Extensions.AI;

namespace Workflow.AI.Steps;

/// <summary>
/// Validates JSON against a JSON schema with JsonSchema.Net (draft 2020-12), and words each violation for a model:
/// the JSONPath of the offending value, the rule, and what would be right (the allowed values of an enum, the missing
/// property's name, the properties that are allowed).
/// </summary>
internal sealed class JsonSchemaValidator
{
    private static readonly ConcurrentDictionary<(Type, JsonSerializerOptions, bool), JsonSchemaValidator> TypeCache = new();
    private static readonly ConditionalWeakTable<AIFunctionDeclaration, JsonSchemaValidator?> ToolCache = new();
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List };

    private readonly JsonSchema _schema;

    private JsonSchemaValidator(JsonElement schema)
    {
        Schema = schema;
        _schema = JsonSchema.Build(schema, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
    }

    /// <summary>Gets the schema, as JSON.</summary>
    public JsonElement Schema { get; }

    /// <summary>The validator of a .NET type's schema as Microsoft.Extensions.AI describes it (with
    /// <c>additionalProperties: false</c> unless allowed), cached per type and options.</summary>
    public static JsonSchemaValidator ForType(Type type, JsonSerializerOptions serializerOptions, bool allowAdditionalProperties) =>
        TypeCache.GetOrAdd((type, serializerOptions, allowAdditionalProperties), static key =>
        {
            var schema = AIJsonUtilities.CreateJsonSchema(
                key.Item1,
                serializerOptions: key.Item2,
                inferenceOptions: new AIJsonSchemaCreateOptions
                {
                    TransformOptions = new AIJsonSchemaTransformOptions { DisallowAdditionalProperties = !key.Item3 },
                });
            return new JsonSchemaValidator(schema);
        });

    /// <summary>The validator of a tool's parameters, or <see langword="null"/> when its schema cannot be built (then
    /// the tool's own argument binding is the only check).</summary>
    public static JsonSchemaValidator? ForTool(AIFunctionDeclaration tool) =>
        ToolCache.GetValue(tool, static t =>
        {
            try
            {
                return new JsonSchemaValidator(t.JsonSchema);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException or NotSupportedException or Json.Schema.JsonSchemaException)
            {
                return null;
            }
        });

    /// <summary>Validates a value; an empty list means it is valid.</summary>
    public IReadOnlyList<SchemaViolation> Validate(JsonElement instance)
    {
        var results = _schema.Evaluate(instance, Evaluation);
        if (results.IsValid)
        {
            return [];
        }

        var violations = new List<SchemaViolation>();
        var seen = new HashSet<(string, string, string)>();
        foreach (var result in results.Details is { Count: > 0 } details ? details.Prepend(results) : [results])
        {
            if (result.Errors is not { Count: > 0 } errors)
            {
                continue;
            }

            foreach (var (key, message) in errors)
            {
                foreach (var violation in Describe(result, key, message, instance))
                {
                    if (seen.Add((violation.Path, violation.Keyword, violation.Message)))
                    {
                        violations.Add(violation);
                    }
                }
            }
        }

        if (violations.Count == 0)
        {
            violations.Add(new SchemaViolation("$", "schema", "the value does not match the schema"));
        }

        return violations;
    }

    private IEnumerable<SchemaViolation> Describe(EvaluationResults result, string key, string message, JsonElement instance)
    {
        var instanceSegments = Segments(result.InstanceLocation.ToString());
        var path = JsonPath(instance, instanceSegments);
        var value = Navigate(instance, instanceSegments);
        var schemaNode = Navigate(Schema, Segments(Uri.UnescapeDataString(result.SchemaLocation.Fragment.TrimStart('#'))));
        var keyword = key.Length > 0 ? key : LastSegment(result.EvaluationPath.ToString());
        switch (keyword)
        {
            case "required" when value is { ValueKind: JsonValueKind.Object } obj && schemaNode?.TryGetProperty("required", out var required) == true:
                foreach (var name in required.EnumerateArray().Select(r => r.GetString()).OfType<string>())
                {
                    if (!obj.TryGetProperty(name, out _))
                    {
                        yield return new SchemaViolation(Child(path, name), "required", $"the required property '{name}' is missing");
                    }
                }

                yield break;
            case "enum" when schemaNode?.TryGetProperty("enum", out var allowed) == true:
                yield return new SchemaViolation(path, "enum", $"{Show(value)} is not one of the allowed values {string.Join(", ", allowed.EnumerateArray().Select(a => a.GetRawText()))}");
                yield break;
            case "additionalProperties":
                var parent = instanceSegments.Count > 0 ? Navigate(Schema, Segments(ParentPointer(Uri.UnescapeDataString(result.SchemaLocation.Fragment.TrimStart('#'))))) : null;
                var known = parent?.TryGetProperty("properties", out var properties) == true
                    ? string.Join(", ", properties.EnumerateObject().Select(p => p.Name))
                    : "none";
                var property = instanceSegments.Count > 0 ? instanceSegments[^1] : path;
                yield return new SchemaViolation(path, "additionalProperties", $"the property '{property}' is not allowed; the allowed properties are: {known}");
                yield break;
            case "type" or "minimum" or "maximum" or "exclusiveMinimum" or "exclusiveMaximum" or "minLength" or "maxLength" or "pattern" or "minItems" or "maxItems" or "format" or "const":
                yield return new SchemaViolation(path, keyword, $"{message} (the value is {Show(value)})");
                yield break;
            default:
                yield return new SchemaViolation(path, keyword, message);
                yield break;
        }
    }

    private static string Show(JsonElement? value)
    {
        if (value is not { } element)
        {
            return "missing";
        }

        var text = element.GetRawText();
        return text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");
    }

    private static List<string> Segments(string pointer)
    {
        var segments = new List<string>();
        if (string.IsNullOrEmpty(pointer) || pointer == "/")
        {
            return segments;
        }

        foreach (var raw in pointer.TrimStart('/').Split('/'))
        {
            segments.Add(raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
        }

        return segments;
    }

    private static string ParentPointer(string pointer)
    {
        var slash = pointer.LastIndexOf('/');
        return slash <= 0 ? string.Empty : pointer[..slash];
    }

    private static string LastSegment(string pointer)
    {
        var segments = Segments(pointer);
        return segments.Count == 0 ? "schema" : segments[^1];
    }

    private static JsonElement? Navigate(JsonElement root, List<string> segments)
    {
        var current = root;
        foreach (var segment in segments)
        {
            switch (current.ValueKind)
            {
                case JsonValueKind.Object when current.TryGetProperty(segment, out var child):
                    current = child;
                    break;
                case JsonValueKind.Array when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < current.GetArrayLength():
                    current = current[index];
                    break;
                default:
                    return null;
            }
        }

        return current;
    }

    /// <summary>Writes an instance location as a JSONPath (<c>$.lines[2].sku</c>), telling array indexes from names by
    /// the instance itself.</summary>
    private static string JsonPath(JsonElement instance, List<string> segments)
    {
        var path = new StringBuilder("$");
        JsonElement? current = instance;
        foreach (var segment in segments)
        {
            if (current is { ValueKind: JsonValueKind.Array } array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                path.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']');
                current = index < array.GetArrayLength() ? array[index] : null;
            }
            else
            {
                var child = Child(path.ToString(), segment);
                path.Clear().Append(child);
                current = current is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty(segment, out var value) ? value : null;
            }
        }

        return path.ToString();
    }

    private static string Child(string path, string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(name[0])
            ? $"{path}.{name}"
            : $"{path}['{name.Replace("'", "\\'", StringComparison.Ordinal)}']";
}
