using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Workflow.Serialization;

/// <summary>
/// Finds types that System.Text.Json writes but cannot read back as the same value: a property with no setter and
/// no constructor parameter, an abstract type, fields that are silently skipped. Such a value would work while an
/// instance runs in one process and be lost when it is replayed from the journal.
/// </summary>
internal sealed class JsonRoundTripChecker(JsonSerializerOptions options, List<string> problems)
{
    private readonly HashSet<Type> _visited = [];

    public void Check(Type type, string usage) => Check(type, usage, path: null);

    private void Check(Type type, string usage, string? path)
    {
        if (!_visited.Add(type))
        {
            return;
        }

        var where = path is null ? $"{usage} ({Name(type)})" : $"{usage}, through {path} ({Name(type)})";
        if (type == typeof(object))
        {
            problems.Add($"{where} is typed object, which reads back as a JsonElement, not the value written; use a concrete type.");
            return;
        }

        if (typeof(Delegate).IsAssignableFrom(type))
        {
            problems.Add($"{where} is a delegate, which System.Text.Json cannot serialize; return data, not code.");
            return;
        }

        if (type.IsGenericType && type.FullName?.StartsWith("System.ValueTuple`", StringComparison.Ordinal) == true && !options.IncludeFields)
        {
            problems.Add($"{where} is a value tuple, whose fields System.Text.Json skips; use a record, or serializer options with IncludeFields.");
            return;
        }

        JsonTypeInfo info;
        try
        {
            info = options.GetTypeInfo(type);
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or ArgumentException)
        {
            problems.Add($"{where} cannot be serialized by System.Text.Json with the configured options: {ex.Message}");
            return;
        }

        if (info.Converter.GetType().Name.StartsWith("Unsupported", StringComparison.Ordinal))
        {
            problems.Add($"{where} is a type System.Text.Json refuses to serialize.");
            return;
        }

        switch (info.Kind)
        {
            case JsonTypeInfoKind.Enumerable:
                if (info.ElementType is { } element)
                {
                    Check(element, usage, Append(path, "[]"));
                }

                break;
            case JsonTypeInfoKind.Dictionary:
                if (info.KeyType is { } key)
                {
                    Check(key, usage, Append(path, "{key}"));
                }

                if (info.ElementType is { } value)
                {
                    Check(value, usage, Append(path, "{value}"));
                }

                break;
            case JsonTypeInfoKind.Object:
                CheckObject(type, info, usage, path, where);
                break;
        }
    }

    private void CheckObject(Type type, JsonTypeInfo info, string usage, string? path, string where)
    {
        if (info.PolymorphismOptions is null && info.CreateObject is null && info.ConstructorAttributeProvider is null)
        {
            var why = type.IsInterface || type.IsAbstract ? "is abstract" : "has no constructor System.Text.Json can use";
            problems.Add($"{where} {why}, so it cannot be read back; use a concrete type with a public constructor (a record is simplest), or declare its derived types with [JsonDerivedType].");
            return;
        }

        foreach (var property in info.Properties)
        {
            var populates = (property.ObjectCreationHandling ?? info.PreferredPropertyObjectCreationHandling ?? options.PreferredObjectCreationHandling)
                == JsonObjectCreationHandling.Populate;
            if (property.Get is not null && property.Set is null && property.AssociatedParameter is null && !populates)
            {
                problems.Add($"{where} has property '{property.Name}' that is written but not read back (no setter and no constructor parameter); add a setter or init accessor, or a constructor parameter of the same name.");
            }

            Check(property.PropertyType, usage, Append(path, property.Name));
        }
    }

    private static string Append(string? path, string segment)
    {
        if (segment.StartsWith('[') || segment.StartsWith('{'))
        {
            return (path ?? string.Empty) + segment;
        }

        return path is null ? segment : path + "." + segment;
    }

    private static string Name(Type type)
    {
        if (!type.IsGenericType)
        {
            return type.Name;
        }

        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return $"{(tick > 0 ? name[..tick] : name)}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>";
    }
}
