using System.Globalization;
using System.Text.Json;

namespace Workflow.Mcp.Server;

/// <summary>
/// Checks a JSON value against the subset of JSON Schema that <c>AIJsonUtilities.CreateJsonSchema</c> produces for .NET
/// types (<c>type</c>, <c>properties</c>, <c>required</c>, <c>additionalProperties: false</c>, <c>items</c>, <c>enum</c>,
/// <c>anyOf</c>/<c>oneOf</c>, <c>minimum</c>/<c>maximum</c>), so a caller learns which field is wrong before a start
/// is attempted. Keywords outside that subset (such as <c>$ref</c>) are accepted as they are; the deserializer has the
/// last word.
/// </summary>
internal static class JsonSchemaValidator
{
    private const int MaxProblems = 10;

    /// <summary>Returns the problems found, each naming the field by its path (<c>input.lines[2].quantity</c>).</summary>
    public static IReadOnlyList<string> Validate(JsonElement value, JsonElement schema, string path)
    {
        var problems = new List<string>();
        Check(value, schema, path, problems);
        return problems;
    }

    private static void Check(JsonElement value, JsonElement schema, string path, List<string> problems)
    {
        if (problems.Count >= MaxProblems || schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (schema.TryGetProperty("type", out var type) && !MatchesType(value, type))
        {
            problems.Add($"'{path}' must be {DescribeType(type)}, not {Describe(value)}.");
            return;
        }

        if (schema.TryGetProperty("enum", out var allowed) && allowed.ValueKind == JsonValueKind.Array
            && !allowed.EnumerateArray().Any(option => JsonElement.DeepEquals(option, value)))
        {
            problems.Add($"'{path}' must be one of {string.Join(", ", allowed.EnumerateArray().Select(static o => o.GetRawText()))}, not {value.GetRawText()}.");
            return;
        }

        foreach (var keyword in (ReadOnlySpan<string>)["anyOf", "oneOf"])
        {
            if (schema.TryGetProperty(keyword, out var options) && options.ValueKind == JsonValueKind.Array)
            {
                var attempts = options.EnumerateArray().Select(option => Validate(value, option, path)).ToList();
                if (attempts.Count > 0 && attempts.All(static a => a.Count > 0))
                {
                    problems.AddRange(attempts.OrderBy(static a => a.Count).First());
                    return;
                }
            }
        }

        if (value.ValueKind == JsonValueKind.Number)
        {
            CheckRange(value, schema, path, problems);
        }
        else if (value.ValueKind == JsonValueKind.Object)
        {
            CheckObject(value, schema, path, problems);
        }
        else if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(item, items, string.Create(CultureInfo.InvariantCulture, $"{path}[{index++}]"), problems);
            }
        }
    }

    private static void CheckObject(JsonElement value, JsonElement schema, string path, List<string> problems)
    {
        var hasProperties = schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object;
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray())
            {
                if (name.GetString() is { } n && !value.TryGetProperty(n, out _))
                {
                    problems.Add($"'{path}.{n}' is required.");
                }
            }
        }

        foreach (var property in value.EnumerateObject())
        {
            if (hasProperties && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Check(property.Value, propertySchema, $"{path}.{property.Name}", problems);
            }
            else if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False)
            {
                var known = hasProperties ? string.Join(", ", properties.EnumerateObject().Select(static p => p.Name)) : "none";
                problems.Add($"'{path}.{property.Name}' is not a known field (known: {known}).");
            }
        }
    }

    private static void CheckRange(JsonElement value, JsonElement schema, string path, List<string> problems)
    {
        var number = value.GetDouble();
        if (schema.TryGetProperty("minimum", out var minimum) && minimum.ValueKind == JsonValueKind.Number && number < minimum.GetDouble())
        {
            problems.Add($"'{path}' must be at least {minimum.GetRawText()}, not {value.GetRawText()}.");
        }

        if (schema.TryGetProperty("maximum", out var maximum) && maximum.ValueKind == JsonValueKind.Number && number > maximum.GetDouble())
        {
            problems.Add($"'{path}' must be at most {maximum.GetRawText()}, not {value.GetRawText()}.");
        }
    }

    private static bool MatchesType(JsonElement value, JsonElement type) => type.ValueKind switch
    {
        JsonValueKind.String => MatchesType(value, type.GetString()),
        JsonValueKind.Array => type.EnumerateArray().Any(t => MatchesType(value, t.GetString())),
        _ => true,
    };

    private static bool MatchesType(JsonElement value, string? type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var d) && decimal.Truncate(d) == d,
        _ => true,
    };

    private static string DescribeType(JsonElement type) => type.ValueKind == JsonValueKind.Array
        ? string.Join(" or ", type.EnumerateArray().Select(static t => Article(t.GetString())))
        : Article(type.GetString());

    private static string Article(string? type) => type switch
    {
        "object" or "array" or "integer" => "an " + type,
        "null" => "null",
        _ => "a " + type,
    };

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "the number " + value.GetRawText(),
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
