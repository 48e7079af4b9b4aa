using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Workflow.Postgres.Schema;

/// <summary>
/// A validated PostgreSQL schema name and the names derived from it. Schema names are spliced into SQL (identifiers
/// cannot be bound as parameters), so only plain identifiers pass, and they are always double-quoted.
/// </summary>
internal sealed class SchemaName
{
    /// <summary>The longest identifier PostgreSQL keeps (NAMEDATALEN - 1 bytes); longer ones are silently truncated.</summary>
    public const int MaxLength = 63;

    private const string ChannelSuffix = "_changes";

    private SchemaName(string name)
    {
        Name = name;
        Quoted = "\"" + name + "\"";
        NotificationChannel = DeriveChannel(name);
        MigrationLockKey = DeriveLockKey(name);
    }

    /// <summary>Gets the name as configured (case is kept: it is always quoted).</summary>
    public string Name { get; }

    /// <summary>Gets the name double-quoted, ready to splice into SQL.</summary>
    public string Quoted { get; }

    /// <summary>Gets the LISTEN/NOTIFY channel of this schema: stores on other schemas never hear it.</summary>
    public string NotificationChannel { get; }

    /// <summary>Gets the key of the advisory lock that serializes migrations of this schema across nodes.</summary>
    public long MigrationLockKey { get; }

    /// <summary>Validates <paramref name="name"/> and derives the schema's names.</summary>
    /// <exception cref="ArgumentException">The name is not a plain identifier.</exception>
    public static SchemaName Create(string? name, string paramName)
    {
        var problem = Validate(name);
        if (problem is not null)
        {
            throw new ArgumentException(problem, paramName);
        }

        return new SchemaName(name!);
    }

    /// <summary>Returns what is wrong with <paramref name="name"/>, or <see langword="null"/> when it is a usable schema name.</summary>
    public static string? Validate(string? name)
    {
        const string Rule = "Use 1 to 63 ASCII letters, digits and underscores, not starting with a digit, for example 'workflow' or 'billing_workflows'.";
        if (string.IsNullOrEmpty(name))
        {
            return "The PostgreSQL schema name is empty. " + Rule;
        }

        if (name.Length > MaxLength || !IsPlainIdentifier(name))
        {
            var length = name.Length > MaxLength ? $" is {name.Length} characters long and" : string.Empty;
            return $"The PostgreSQL schema name '{Describe(name)}'{length} is not a plain identifier. {Rule}";
        }

        if (name.StartsWith("pg_", StringComparison.OrdinalIgnoreCase) || name.Equals("information_schema", StringComparison.OrdinalIgnoreCase))
        {
            return $"The PostgreSQL schema name '{name}' is reserved for PostgreSQL's system catalogs. Choose another name, for example 'workflow'.";
        }

        return null;
    }

    private static bool IsPlainIdentifier(string name)
    {
        if (char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    // Echoes a rejected name readably: hostile names can be long or hold control characters.
    private static string Describe(string name)
    {
        var builder = new StringBuilder();
        foreach (var c in name.Length > 80 ? name[..80] : name)
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }

        if (name.Length > 80)
        {
            builder.Append('…');
        }

        return builder.ToString();
    }

    private static string DeriveChannel(string name)
    {
        var channel = name + ChannelSuffix;
        if (channel.Length <= MaxLength)
        {
            return channel;
        }

        // Keep channels of long schema names distinct after shortening them.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 4));
        return string.Concat(name.AsSpan(0, MaxLength - ChannelSuffix.Length - hash.Length - 1), "_", hash, ChannelSuffix);
    }

    private static long DeriveLockKey(string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("Workflow.Postgres/migrations/" + name));
        return BinaryPrimitives.ReadInt64BigEndian(hash);
    }
}
